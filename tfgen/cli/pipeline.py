"""`tfgen pipeline {list,run,compile}`: the ready TFX-style pipelines (`tfgen.pipeline.configs`),
run locally with kfp.local or compiled for Kubeflow Pipelines / Vertex AI."""

import json
import sys
import time
from pathlib import Path

from tfgen.cli.arguments import output_file


def add_parser(verbs):
    p = verbs.add_parser(
        "pipeline",
        help="run or compile a pipeline: ingest, validate, train, evaluate, infra-validate, push",
        description=(
            "ExampleGen -> StatisticsGen -> ExampleValidator -> Trainer -> Evaluator -> "
            "InfraValidator -> Pusher on Kubeflow Pipelines: `run` executes locally with "
            "kfp.local (no Docker), `compile` writes the IR YAML for a cluster."
        ),
    )
    actions = p.add_subparsers(dest="action", required=True, metavar="ACTION")
    actions.add_parser("list", help="the ready pipelines").set_defaults(run=_list)
    run = actions.add_parser("run", help="run a pipeline locally with kfp.local")
    compile_ = actions.add_parser("compile", help="write a pipeline's KFP IR YAML")
    for action in (run, compile_):
        action.add_argument("name", help="a ready pipeline (tfgen pipeline list)")
        action.add_argument(
            "--set",
            action="append",
            default=[],
            metavar="KEY=VALUE",
            dest="overrides",
            help="override a config value by its dotted key, e.g. --set trainer.epochs=5",
        )
        beam = action.add_argument_group(
            "Apache Beam (ExampleGen, StatisticsGen)",
            "where the data stages run: DirectRunner here by default; DataflowRunner, "
            "FlinkRunner or SparkRunner with their options (see the README)",
        )
        beam.add_argument("--runner", help="the Beam runner, e.g. DataflowRunner")
        beam.add_argument(
            "--workers",
            type=int,
            help="DirectRunner worker processes (1: in process, the default)",
        )
        beam.add_argument(
            "--beam-option",
            action="append",
            default=[],
            metavar="NAME=VALUE",
            dest="beam_options",
            help="a Beam pipeline option, e.g. --beam-option project=my-project",
        )
    run.add_argument(
        "--pipeline-root",
        default="runs/pipeline_root",
        help="where kfp.local writes each stage's artifacts, and the run's log (logs/)",
    )
    run.add_argument(
        "-v",
        "--verbose",
        action="store_true",
        help="show the run's whole log (kfp.local's and every stage's output) as it runs, "
        "and TensorFlow's own log lines; by default one line per stage, the log in "
        "PIPELINE_ROOT/logs/",
    )
    run.set_defaults(run=_run)
    compile_.add_argument(
        "--out",
        required=True,
        type=output_file(".yaml", ".yml", ".json"),
        metavar="YAML",
        help="the file to write",
    )
    compile_.set_defaults(run=_compile)


def _list(args):
    for name in _pipelines().PIPELINES:
        description, served_name = _pipelines().describe(name)  # no KFP, Beam or TensorFlow
        print(f"{name}: {description} (serves {served_name})")


def _run(args):
    from tfgen.errors import InputError

    config = _config(args)
    local = _local()
    root = Path(args.pipeline_root).resolve()
    print(f"running {args.name} ({config['name']}) locally; artifacts under {args.pipeline_root}")
    started = time.monotonic()
    try:
        local.run_locally(
            config,
            root,
            report=lambda line: print(f"  {line}", flush=True),
            echo=sys.stdout if args.verbose else None,
        )
    except local.PipelineFailed as e:
        if not args.verbose:  # else it was shown as it ran
            print("\n".join(f"  | {line}" for line in e.tail), file=sys.stderr)
        from tfgen.pipeline.report import STAGES

        stage = STAGES.get(e.stage, e.stage or "a stage")
        anomalies = _anomalies(local.summarize(root, config["name"]))
        raise InputError(
            f"the pipeline stopped: {stage} failed (the full log: {e.log}){anomalies}"
        ) from None
    log = local.log_of(root, local.newest_run(root, config["name"]))
    print(f"done in {_duration(time.monotonic() - started)}; the full log: {log}")


def _duration(seconds):
    minutes, seconds = divmod(round(seconds), 60)
    return f"{minutes} min {seconds} s" if minutes else f"{seconds} s"


def _compile(args):
    config = _config(args)
    out = _local().compile_to(config, Path(args.out))
    print(f"wrote {out}: submit it to Kubeflow Pipelines or Vertex AI Pipelines")


def _config(args):
    """The run's config; the name, --set keys and Beam flags are checked before KFP and
    TensorFlow load."""
    from tfgen.cli.arguments import parse_assignments
    from tfgen.errors import InputError

    if args.name not in _pipelines().PIPELINES:
        raise InputError(
            f"unknown pipeline: expected one of {list(_pipelines().PIPELINES)}. "
            f"Received: {args.name!r}"
        )
    overrides, beam_args = parse_assignments(args.overrides), _beam_args(args)
    try:
        _pipelines().check_overrides(args.name, overrides)
        return _local().configure(args.name, overrides, beam_args)
    except KeyError as e:
        raise InputError(f"unknown config key {e.args[0]}") from None


def _beam_args(args):
    """--runner, --workers and --beam-option as Beam's own flags."""
    from tfgen.errors import InputError

    flags = [f"--runner={args.runner}"] if args.runner else []
    if args.workers is not None:
        if args.workers < 1:
            raise InputError(f"--workers must be at least 1. Received: {args.workers}")
        from tfgen.pipeline.beam_runner import workers_args

        flags += workers_args(args.workers)
    for option in args.beam_options:
        name, sep, value = option.partition("=")
        if not sep or not name or name.startswith("-"):
            raise InputError(f"--beam-option expects NAME=VALUE. Received: {option!r}")
        flags.append(f"--{name}={value}")
    return flags


def _anomalies(summary):
    """The ExampleValidator's findings, when it is the stage that stopped the run."""
    for stage, artifacts in summary.items():
        for artifact in artifacts if stage.startswith("examplevalidator") else []:
            report = Path(artifact) / "anomalies.json"
            if report.is_file():
                found = json.loads(report.read_text())["anomalies"]
                return "\n" + "\n".join(f"  - {a['message']}" for a in found)
    return ""


def _pipelines():
    from tfgen.pipeline import configs

    return configs


def _local():
    from tfgen.pipeline import local

    return local
