"""The pipeline's Kubeflow Pipelines components, named after their TFX counterparts. Each
wraps one function of `tfgen.pipeline` and only moves paths and settings in and out.

Locally they run with `kfp.local.SubprocessRunner` in the current Python environment; on a
cluster they run in TFGEN_IMAGE, an image with tfgen installed (see the README).
"""

import os

from kfp import dsl

IMAGE = os.environ.get("TFGEN_IMAGE", "tfgen:latest")


def component(fn):
    """A lightweight component that expects tfgen (and kfp) in its image: no pip installs."""
    return dsl.component(base_image=IMAGE, install_kfp_package=False)(fn)


@component
def ExampleGen(
    source: str,
    eval_source: str,
    data_options: dict,
    eval_fraction: float,
    seed: int,
    shards: int,
    beam_args: list,
    examples: dsl.Output[dsl.Dataset],
):
    from tfgen.pipeline import example_gen

    metadata = example_gen(
        source,
        examples.path,
        eval_source=eval_source or None,
        eval_fraction=eval_fraction,
        seed=seed,
        shards=shards,
        beam_args=beam_args,
        **data_options,
    )
    examples.metadata.update({f"{split}_examples": n for split, n in metadata["counts"].items()})


@component
def StatisticsGen(
    examples: dsl.Input[dsl.Dataset], beam_args: list, statistics: dsl.Output[dsl.Artifact]
):
    from tfgen.pipeline import statistics_gen

    stats = statistics_gen(examples.path, statistics.path, beam_args=beam_args)
    statistics.metadata.update({f"{split}_count": s["count"] for split, s in stats.items()})


@component
def ExampleValidator(
    statistics: dsl.Input[dsl.Artifact], schema: dict, anomalies: dsl.Output[dsl.Artifact]
):
    import json
    from pathlib import Path

    from tfgen.pipeline import validate_examples

    stats = json.loads((Path(statistics.path) / "statistics.json").read_text())
    validate_examples(stats, schema, anomalies.path)  # raises, failing the run, on anomalies


@component
def Trainer(
    examples: dsl.Input[dsl.Dataset],
    model_name: str,
    epochs: int,
    batch_size: int,
    hparams: dict,
    max_seconds: float,
    seed: int,
    runtime: dict,
    checkpoint_root: str,
    model: dsl.Output[dsl.Model],
    logs: dsl.Output[dsl.Artifact],
):
    from tfgen.pipeline import trainer

    summary = trainer(
        examples.path,
        model.path,
        model=model_name,
        epochs=epochs,
        batch_size=batch_size,
        hparams=hparams,
        max_seconds=max_seconds or None,
        seed=seed,
        runtime=runtime,
        checkpoint_root=checkpoint_root,
        logs_dir=logs.path,  # TensorBoard logs as their own artifact, once
    )
    model.metadata.update({"epochs": summary["epochs"], "checkpoint": summary["checkpoint"]})


@component
def Evaluator(
    model: dsl.Input[dsl.Model],
    examples: dsl.Input[dsl.Dataset],
    served_name: str,
    base: str,
    thresholds: dict,
    tolerance: float,
    samples: int,
    seed: int,
    cache_root: str,
    blessing: dsl.Output[dsl.Artifact],
):
    from tfgen.pipeline import evaluator

    result = evaluator(
        model.path,
        examples.path,
        blessing.path,
        name=served_name,
        thresholds=thresholds,
        base=base,
        tolerance=tolerance,
        samples=samples,
        seed=seed,
        cache_root=cache_root,
    )
    blessing.metadata["blessed"] = int(result["blessed"])


@component
def InfraValidator(model: dsl.Input[dsl.Model], infra_blessing: dsl.Output[dsl.Artifact]):
    from tfgen.pipeline import infra_validator

    result = infra_validator(model.path, infra_blessing.path)
    infra_blessing.metadata["blessed"] = int(result["blessed"])


@component
def Pusher(
    model: dsl.Input[dsl.Model],
    blessing: dsl.Input[dsl.Artifact],
    infra_blessing: dsl.Input[dsl.Artifact],
    examples: dsl.Input[dsl.Dataset],
    statistics: dsl.Input[dsl.Artifact],
    served_name: str,
    base: str,
    allow_signature_change: bool,
    pushed: dsl.Output[dsl.Artifact],
):
    from tfgen.pipeline import pusher

    result = pusher(
        model.path,
        blessing.path,
        infra_blessing.path,
        pushed.path,
        name=served_name,
        base=base,
        allow_signature_change=allow_signature_change,
        card_sources={
            "examples": examples.path,
            "statistics": statistics.path,
            "evaluation": blessing.path,
        },
    )
    pushed.metadata.update({k: v for k, v in result.items() if v is not None})
