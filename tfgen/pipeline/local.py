"""Runs a pipeline on this machine with `kfp.local` (no Docker, no cluster) and compiles it to
the KFP IR YAML that Kubeflow Pipelines and Vertex AI Pipelines run."""

import json
from pathlib import Path

import kfp.local
from kfp import compiler

from tfgen.pipeline.configs import create_pipeline, load_config
from tfgen.pipeline.definition import validate_config


def configure(name, overrides=None, beam_args=()):
    """Pipeline `name`'s config with dotted overrides applied ({"trainer.epochs": 5}), Beam
    flags appended to `beam.args`, and its local paths made absolute, so every stage's
    subprocess sees the same folders.

    Raises:
        KeyError: an unknown pipeline or config key.
        InputError: an override makes a name that becomes a path unsafe (e.g.
            served_name=../../x), see `validate_config`.
    """
    config = load_config(name)
    for dotted, value in (overrides or {}).items():
        *parents, key = dotted.split(".")
        node = config
        for part in parents:
            node = node[part]
        if key not in node:
            raise KeyError(f"{dotted} (known keys here: {sorted(node)})")
        node[key] = value
    config["beam"]["args"] = [*config["beam"]["args"], *beam_args]
    validate_config(config)
    for key in ("saved_models", "checkpoints"):
        config["paths"][key] = str(Path(config["paths"][key]).resolve())
    source = config["data"]["source"]
    if not source.startswith("tfds:") and source != "digits" and Path(source).exists():
        config["data"]["source"] = str(Path(source).resolve())
    return config


def run_locally(config, pipeline_root):
    """Runs the pipeline with SubprocessRunner in this environment; returns a summary of each
    stage's status and artifacts. A failing stage raises RuntimeError with its logs above."""
    kfp.local.init(
        runner=kfp.local.SubprocessRunner(use_venv=False),
        pipeline_root=str(pipeline_root),
        raise_on_error=True,
    )
    create_pipeline(config)()
    return summarize(Path(pipeline_root), config["name"])


def summarize(pipeline_root, name):
    """{stage: [artifact paths]} of the newest local run of pipeline `name`, in the order the
    stages ran."""
    runs = sorted(pipeline_root.glob(f"{name}-*"), key=lambda p: p.stat().st_mtime)
    if not runs:
        return {}
    latest = runs[-1]
    stages = sorted((p for p in latest.iterdir() if p.is_dir()), key=lambda p: p.stat().st_mtime)
    return {
        stage.name: sorted(str(p) for p in stage.iterdir() if p.name != "executor_output.json")
        for stage in stages
    }


def compile_to(config, out):
    """Writes the pipeline's KFP IR YAML to `out`."""
    compiler.Compiler().compile(create_pipeline(config), str(out))
    return out


def pushed_version(summary):
    """The `pushed.json` of the run's Pusher, or None when it pushed nothing."""
    for stage, artifacts in summary.items():
        if stage.startswith("pusher"):
            for artifact in artifacts:
                file = Path(artifact) / "pushed.json"
                if file.is_file() and json.loads(file.read_text())["pushed"]:
                    return json.loads(file.read_text())
    return None
