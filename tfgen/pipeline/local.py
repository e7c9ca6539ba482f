"""Runs a pipeline on this machine with `kfp.local` (no Docker, no cluster) and compiles it to
the KFP IR YAML that Kubeflow Pipelines and Vertex AI Pipelines run.

A local run writes everything kfp.local and the stages print to one log,
`<pipeline_root>/logs/<run>.log`, and reports one line per stage (`tfgen.pipeline.report`).
"""

import contextlib
import json
import sys
import time
from pathlib import Path

import kfp.local
from kfp import compiler

from tfgen.pipeline.configs import create_pipeline, load_config
from tfgen.pipeline.definition import validate_config
from tfgen.pipeline.report import stage_line
from tfgen.pipeline.run_log import RunLog

LOGS = "logs"  # under the pipeline root: one log per run, named after the run's folder


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


def run_locally(config, pipeline_root, *, report=None, echo=None):
    """Runs the pipeline with SubprocessRunner in this environment.

    Args:
        report: called with one line per stage as it finishes (e.g. `print`).
        echo: a stream that also gets the whole log as it is written (`--verbose`).

    Returns:
        {stage: [artifact paths]} of the run (see `summarize`).

    Raises:
        PipelineFailed: a stage failed; it holds the stage, the end of its output and the
            log's path.
    """
    return run_logged(create_pipeline(config), config["name"], pipeline_root, report, echo)


class PipelineFailed(RuntimeError):
    """A stage of a local run failed: `stage`, `tail` (the end of its output), `log`."""

    def __init__(self, message, stage, tail, log):
        super().__init__(message)
        self.stage, self.tail, self.log = stage, tail, log


def run_logged(pipeline, name, pipeline_root, report=None, echo=None):
    """Runs the KFP pipeline function `pipeline` (named `name`) locally with its output in
    `<pipeline_root>/logs/`, calling `report(line)` as each stage finishes."""
    pipeline_root = Path(pipeline_root)
    (pipeline_root / LOGS).mkdir(parents=True, exist_ok=True)
    log = pipeline_root / LOGS / f"{name}-{time.strftime('%Y-%m-%d-%H-%M-%S')}.running.log"
    started, failed, terminal = time.time(), {}, sys.stdout

    def on_stage(task, status, seconds, tail):
        run = newest_run(pipeline_root, name, since=started)
        line = stage_line(task, run / task if run else None, seconds, status == "SUCCESS")
        if status != "SUCCESS":
            failed.update(stage=task, tail=tail)
        if report is not None:
            with contextlib.redirect_stdout(terminal):  # not into the log
                report(line)

    kfp.local.init(
        runner=kfp.local.SubprocessRunner(use_venv=False),
        pipeline_root=str(pipeline_root),
        raise_on_error=True,
    )
    try:
        with open(log, "w", buffering=1) as file:  # line-buffered: `tail -f` follows
            stream = RunLog(file, on_stage, echo)
            with contextlib.redirect_stdout(stream), contextlib.redirect_stderr(stream):
                pipeline()
    except RuntimeError as e:
        log = _name_after_run(log, newest_run(pipeline_root, name, since=started))
        raise PipelineFailed(str(e), failed.get("stage"), failed.get("tail", []), log) from e
    _name_after_run(log, newest_run(pipeline_root, name, since=started))
    return summarize(pipeline_root, name)


def newest_run(pipeline_root, name, since=0.0):
    """The newest run folder of pipeline `name` made at or after `since` (seconds since the
    epoch), or None."""
    runs = [
        p
        for p in Path(pipeline_root).glob(f"{name}-*")
        if p.is_dir() and p.stat().st_mtime >= since - 1  # mtimes may be coarse
    ]
    return max(runs, key=lambda p: p.stat().st_mtime, default=None)


def log_of(pipeline_root, run):
    """The log file of run folder `run`."""
    return Path(pipeline_root) / LOGS / f"{Path(run).name}.log"


def _name_after_run(log, run):
    """Renames the run's log after its folder, which kfp.local names only once it starts."""
    if run is None:
        return log
    return log.rename(log_of(log.parent.parent, run))


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
