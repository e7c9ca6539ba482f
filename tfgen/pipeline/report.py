"""One line per finished stage of a pipeline run, with its key figures, read from the files
the stage wrote:

    ExampleGen        1,797 examples (1,617 train / 180 eval)  9.8 s
    Evaluator         FID 13.2 <= 30 ok, recall 0.66 >= 0.3 ok -> blessed  41.0 s
    Pusher            identical to version 1: not pushed  3.1 s
"""

import json
from pathlib import Path

from tfgen.pipeline.evaluator import check_phrase

# kfp.local's task names (the components' names, lowercased) -> TFX's names
STAGES = {
    "examplegen": "ExampleGen",
    "statisticsgen": "StatisticsGen",
    "examplevalidator": "ExampleValidator",
    "trainer": "Trainer",
    "evaluator": "Evaluator",
    "infravalidator": "InfraValidator",
    "pusher": "Pusher",
}
_WIDTH = max(map(len, STAGES.values())) + 2


def stage_line(task, stage_dir, seconds, succeeded=True):
    """The line of one stage: its name, what it found or made, and its wall time.

    Args:
        task: kfp.local's task name (e.g. "examplegen").
        stage_dir: the stage's folder in the run (`<pipeline_root>/<run>/<task>`), or None.
        succeeded: False for a stage that failed: the line says so, with what it left.
    """
    describe = _DESCRIBERS.get(task)
    try:
        figures = describe(Path(stage_dir)) if describe and stage_dir else None
    except (OSError, KeyError, TypeError, ValueError):  # a stage that failed half-way
        figures = None
    if not succeeded:
        figures = "FAILED" + (f": {figures}" if figures else "")
    return f"{STAGES.get(task, task):<{_WIDTH}}{figures or 'done'}  {seconds:.1f} s"


def _read(folder, relative):
    return json.loads((folder / relative).read_text())


def _example_gen(folder):
    counts = _read(folder, "examples/metadata.json")["counts"]
    return (
        f"{sum(counts.values()):,} examples ({counts['train']:,} train / {counts['eval']:,} eval)"
    )


def _statistics_gen(folder):
    stats = _read(folder, "statistics/statistics.json")
    train = stats["train"]
    shape = "x".join(map(str, train["image_shape"] or ["mixed"]))
    duplicates = sum(split["duplicates"] for split in stats.values())
    return (
        f"{shape} images, pixel mean {train['pixel_mean']:.1f} std {train['pixel_std']:.1f} "
        f"(train), {duplicates:,} exact duplicates"
    )


def _example_validator(folder):
    anomalies = _read(folder, "anomalies/anomalies.json")["anomalies"]
    if not anomalies:
        return "no anomalies"
    checks = sorted({a["check"] for a in anomalies})
    return f"{len(anomalies)} anomalies ({', '.join(checks)})"


def _trainer(folder):
    training = _read(folder, "model/training.json")
    final = {k: v for k, v in (training.get("final_logs") or {}).items() if _is_number(v)}
    losses = {k: v for k, v in final.items() if k.endswith("loss")} or final  # the objectives
    logs = ", ".join(f"{k} {v:.3g}" for k, v in losses.items())
    if training["stopped_by"] in ("already_trained", "early_stopping"):
        return (
            f"{training['epochs']} epochs, resumed finished ({training['stopped_by']}): "
            f"nothing to train; {logs}"
        )
    stopped = f", stopped by {training['stopped_by']}" if training["stopped_by"] else ""
    return f"{training['epochs']} epochs in {training['seconds']:.1f} s{stopped}; {logs}"


def _evaluator(folder):
    evaluation = _read(folder, "blessing/evaluation.json")
    checks = ", ".join(
        f"{check_phrase(c)} {'ok' if c['passed'] else 'FAILED'}" for c in evaluation["checks"]
    )
    return f"{checks} -> {'blessed' if evaluation['blessed'] else 'not blessed'}"


def _infra_validator(folder):
    blessing = folder / "infra_blessing"
    blessed = (blessing / "INFRA_BLESSED").is_file()
    verdict = (blessing / ("INFRA_BLESSED" if blessed else "INFRA_NOT_BLESSED")).read_text()
    return f"{verdict.splitlines()[0]} -> {'blessed' if blessed else 'not blessed'}"


def _pusher(folder):
    pushed = _read(folder, "pushed/pushed.json")
    if pushed["pushed"]:
        return f"pushed version {pushed['version']}: {pushed['path']}"
    return pushed["reason"]


def _is_number(value):
    return isinstance(value, int | float) and not isinstance(value, bool)


_DESCRIBERS = {
    "examplegen": _example_gen,
    "statisticsgen": _statistics_gen,
    "examplevalidator": _example_validator,
    "trainer": _trainer,
    "evaluator": _evaluator,
    "infravalidator": _infra_validator,
    "pusher": _pusher,
}
