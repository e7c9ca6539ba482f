"""Wires the components into ingest -> validate -> train -> evaluate -> infra-validate -> push,
from one config. The ready pipelines (dcgan_digits, dcgan_fashion, dcgan_mnist, vae_digits) are
configs."""

from kfp import dsl

from tfgen.errors import InputError
from tfgen.ops.serving import check_model_name
from tfgen.pipeline.beam_runner import pipeline_options
from tfgen.pipeline.components import (
    Evaluator,
    ExampleGen,
    ExampleValidator,
    InfraValidator,
    Pusher,
    StatisticsGen,
    Trainer,
)
from tfgen.pipeline.configs.catalogue import with_defaults


def make_config(*, name, description, served_name, **sections):
    """A pipeline config: DEFAULTS with each section's keys replaced by those given.

    Raises:
        InputError: a name that would become a path is not a safe folder name (see
            `validate_config`).
    """
    config = with_defaults(name=name, description=description, served_name=served_name, **sections)
    return validate_config(config)


def validate_config(config):
    """`config` if every name in it that becomes a path is one safe folder name (the rule of
    `tfgen export --name`): `served_name` (saved_models/<served_name>/), `name` (the run's
    folder under the pipeline root) and `trainer.model` (its checkpoint folder); and
    `pusher.allow_signature_change` is a bool; and `beam.args` are Beam pipeline options.

    Raises:
        InputError: naming the key and the value received.
    """
    check_model_name(config.get("name"), "name")
    check_model_name(config.get("served_name"), "served_name")
    check_model_name(config.get("trainer", {}).get("model"), "trainer.model")
    pipeline_options(config.get("beam", {}).get("args", []))  # refuses unknown Beam flags
    allow = config.get("pusher", {}).get("allow_signature_change")
    if not isinstance(allow, bool):
        raise InputError(
            f"pusher.allow_signature_change must be true or false. Received: {allow!r}"
        )
    return config


def create_pipeline(config):
    """A KFP pipeline function for `config` (see `tfgen/pipeline/configs/` for its keys)."""
    data, trainer, evaluator, paths = (config[k] for k in ("data", "trainer", "evaluator", "paths"))
    beam_args = list(config["beam"]["args"])

    @dsl.pipeline(name=config["name"], description=config.get("description", ""))
    def pipeline():
        examples = ExampleGen(
            source=data["source"],
            eval_source=data.get("eval_source") or "",
            data_options=data.get("options", {}),
            eval_fraction=data["eval_fraction"],
            seed=data["seed"],
            shards=data["shards"],
            beam_args=beam_args,
        )
        statistics = StatisticsGen(examples=examples.outputs["examples"], beam_args=beam_args)
        validation = ExampleValidator(
            statistics=statistics.outputs["statistics"], schema=config["schema"]
        )
        training = Trainer(
            examples=examples.outputs["examples"],
            model_name=trainer["model"],
            epochs=trainer["epochs"],
            batch_size=trainer["batch_size"],
            hparams=trainer.get("hparams", {}),
            max_seconds=trainer.get("max_seconds") or 0.0,
            seed=trainer["seed"],
            runtime=trainer.get("runtime", {}),
            checkpoint_root=paths["checkpoints"],
        ).after(validation)
        evaluation = Evaluator(
            model=training.outputs["model"],
            examples=examples.outputs["examples"],
            served_name=config["served_name"],
            base=paths["saved_models"],
            thresholds=evaluator["thresholds"],
            tolerance=evaluator["tolerance"],
            samples=evaluator["samples"],
            seed=evaluator.get("seed", 0),
            cache_root=paths["checkpoints"],
        )
        infra = InfraValidator(model=training.outputs["model"])
        # The Pusher itself checks both blessings and pushes nothing without them, as TFX's
        # does. A dsl.If gate would read better in the UI, but kfp.local 2.16 cannot evaluate
        # the compiled CEL condition and would skip the Pusher every time.
        Pusher(
            model=training.outputs["model"],
            blessing=evaluation.outputs["blessing"],
            infra_blessing=infra.outputs["infra_blessing"],
            examples=examples.outputs["examples"],
            statistics=statistics.outputs["statistics"],
            served_name=config["served_name"],
            base=paths["saved_models"],
            allow_signature_change=config["pusher"]["allow_signature_change"],
        )

    return pipeline
