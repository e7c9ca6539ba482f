"""`tfgen train MODEL --data SOURCE --epochs N ...` (or `--config run.yaml`), and
`tfgen train MODEL --list-settings`.

Settings and the config file are checked by `tfgen.config`, without TensorFlow: a bad value is
refused at once, before TensorFlow loads.
"""

import argparse

from tfgen.cli.arguments import (
    add_data_arguments,
    data_options,
    data_source,
    fraction,
    output_folder,
    parse_assignments,
    positive_float,
    positive_int,
)
from tfgen.config import MODEL_OPTIONS, PRECISIONS, STRATEGIES, resolve_settings, settings_table
from tfgen.errors import InputError

MODEL_NAMES = tuple(MODEL_OPTIONS)  # tfgen.models.MODELS has the same keys (a test checks)
DEFAULT_BATCH_SIZE = 64
DEFAULT_SEED = 0


def add_parser(verbs):
    p = verbs.add_parser(
        "train",
        help="train a model on a data source",
        description="Train a model; re-run with the same --workdir to resume. --data and "
        "--epochs are required unless a --config file gives them.",
    )
    p.add_argument("model", choices=MODEL_NAMES, help="the model to train")
    p.add_argument(
        "--list-settings",
        action="store_true",
        help="print the model's settings (type, default, meaning) and exit",
    )
    p.add_argument(
        "--config",
        metavar="FILE",
        help="a YAML or JSON file of run options (data, epochs, batch_size, ...) and model "
        "settings under settings:; --set and explicit flags override it",
    )
    add_data_arguments(p, required=False)
    p.add_argument("--epochs", type=positive_int, help="total epochs")
    p.add_argument("--batch-size", type=positive_int, help=f"default: {DEFAULT_BATCH_SIZE}")
    p.add_argument(
        "--workdir",
        type=output_folder,
        help="checkpoint, state and TensorBoard logs (default: runs/MODEL)",
    )
    p.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        dest="hparams",
        help="a model setting, e.g. --set latent_dim=64 --set g_widths=128,64; repeatable "
        "(see --list-settings)",
    )
    p.add_argument(
        "--max-seconds",
        type=positive_float,
        help="stop at the first step after this wall-clock time, saving the model; the same "
        "command resumes from that step",
    )
    p.add_argument(
        "--early-stopping",
        type=positive_int,
        metavar="PATIENCE",
        help="stop once the validation loss has not improved for PATIENCE epochs, keeping "
        "the best epoch's weights",
    )
    p.add_argument("--seed", type=int, help=f"default: {DEFAULT_SEED}")
    p.add_argument(
        "--no-monitor",
        action="store_false",
        dest="monitor",
        default=None,
        help="GANs: turn off the training-health monitor",
    )
    p.add_argument(
        "--validation-split",
        type=fraction,
        help="fraction held out for validation (default: 0.1 for autoencoders, none for GANs)",
    )
    add_runtime_arguments(p)
    p.set_defaults(run=run)


def add_runtime_arguments(p):
    """--precision, --strategy, --jit/--no-jit, --deterministic (see tfgen.runtime.Runtime)."""
    g = p.add_argument_group("hardware")
    g.add_argument(
        "--precision",
        choices=PRECISIONS,
        help="mixed_float16 on GPUs (both optimizers loss-scaled), mixed_bfloat16 on TPUs and "
        "CPUs/GPUs with bf16 units; variables stay float32 (default: float32)",
    )
    g.add_argument(
        "--strategy",
        choices=STRATEGIES,
        help="auto: every local GPU when there are several; mirrored: every local GPU (or "
        "logical CPU); multi_worker: the machines in TF_CONFIG. --batch-size is the global "
        "batch (default: auto)",
    )
    g.add_argument(
        "--jit",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="XLA-compile the training step (--no-jit: never; default: Keras's auto, XLA on GPUs)",
    )
    g.add_argument(
        "--deterministic",
        action="store_true",
        default=None,
        help="bit-for-bit reproducible training for a given seed (TF op determinism; slower)",
    )


def run(args):
    if args.list_settings:
        print(format_settings(args.model))
        return 0
    run = run_options(args)  # checked before TensorFlow loads
    from tfgen.runtime import Runtime
    from tfgen.training import train

    workdir = run["workdir"]
    split = run["validation_split"]
    result = train(
        args.model,
        run["data"],
        epochs=run["epochs"],
        workdir=workdir,
        batch_size=run["batch_size"],
        hparams=run["hparams"],
        max_seconds=run["max_seconds"],
        seed=run["seed"],
        monitor=run["monitor"],
        validation_split="default" if split is None else split,
        runtime=Runtime(run["precision"], run["strategy"], run["jit"], run["deterministic"]),
        early_stopping=run["early_stopping"],
        **run["data_options"],
    )
    epochs = run["epochs"]
    if result.stopped_by == "already_trained":
        print(
            f"{workdir} already holds {result.epochs} trained epochs (asked for {epochs}); "
            "nothing to do. Raise --epochs to continue training."
        )
    else:
        note = {
            "max_seconds": " (stopped by --max-seconds; the same command resumes from there)",
            "early_stopping": " (stopped early: the validation loss stopped improving; the "
            f"model holds the best epoch's weights, also in {result.paths.best})",
        }.get(result.stopped_by, "")
        partial = (
            f" and {result.steps} step(s) of epoch {result.epochs + 1}" if result.steps else ""
        )
        print(
            f"trained {args.model} to epoch {result.epochs}{partial} in {result.seconds:.1f} s"
            f"{note}"
        )
    print(f"model: {result.paths.model}\nTensorBoard: tensorboard --logdir {result.paths.logs}")


_RUN_DEFAULTS = {
    "batch_size": DEFAULT_BATCH_SIZE,
    "seed": DEFAULT_SEED,
    "monitor": True,
    "precision": "float32",
    "strategy": "auto",
    "deterministic": False,
}
_FLAGS = (
    "data",
    "epochs",
    "batch_size",
    "workdir",
    "seed",
    "max_seconds",
    "early_stopping",
    "validation_split",
    "monitor",
    "precision",
    "strategy",
    "jit",
    "deterministic",
)
_DATA_OPTIONS = ("classes", "image_size", "channels", "skip_errors")


def run_options(args):
    """The run's options: the --config file's, overridden by explicit flags, then defaults;
    "hparams" the model settings given (file's settings:, overridden by --set), validated
    against the model's options class (only the given ones, normalised: 8.0 -> 8).

    Raises:
        InputError: a bad config file (the message names it), a setting its rule refuses,
            or no --data/--epochs from either place.
    """
    from tfgen.config import load_run_file

    run_file = load_run_file(args.config, model=args.model) if args.config else None
    given = dict(run_file.run) if run_file else {}
    _check_paths_of(run_file, given)
    flags = {name: getattr(args, name) for name in _FLAGS}
    given.update({k: v for k, v in flags.items() if v is not None})
    given.update(data_options(args))
    missing = [f"--{name}" for name in ("data", "epochs") if name not in given]
    if missing:
        raise InputError(
            f"the following arguments are required: {', '.join(missing)} (or give them in "
            "a --config file)"
        )
    run = {**dict.fromkeys(_FLAGS), **_RUN_DEFAULTS, **given}
    run["workdir"] = run["workdir"] or f"runs/{args.model}"
    run["data_options"] = {k: run.pop(k) for k in _DATA_OPTIONS if k in run}
    run["hparams"] = model_settings(args.model, run_file, parse_assignments(args.hparams))
    return run


def _check_paths_of(run_file, given):
    """The --data and --workdir a config file gives, checked as the flags are (before
    TensorFlow loads)."""
    for name, check in (("data", data_source), ("workdir", output_folder)):
        if name in given and isinstance(given[name], str):
            try:
                check(given[name])
            except argparse.ArgumentTypeError as e:
                raise InputError(f"{run_file.path}: {name}: {e}") from None


def model_settings(model, run_file, assignments):
    """The settings given (the file's, overridden by --set), each validated and normalised."""
    from_file = run_file.settings if run_file else {}
    if from_file:
        try:
            resolve_settings(model, from_file)
        except InputError as e:
            raise InputError(f"{run_file.path}: settings: {e}") from None
    given = {**from_file, **assignments}
    resolved = resolve_settings(model, given)
    return {name: resolved[name] for name in given}


def format_settings(model):
    """The table `--list-settings` prints: name, type, default and meaning of each setting."""
    rows = [("NAME", "TYPE", "DEFAULT", "MEANING"), *settings_table(model)]
    widths = [max(len(str(row[i])) for row in rows) for i in range(3)]
    lines = [
        f"{model} settings: tfgen train {model} --set NAME=VALUE, or settings: in a --config file"
    ]
    for row in rows:
        cells = [str(cell).ljust(width) for cell, width in zip(row, widths)]
        lines.append("  ".join([*cells, row[3]]).rstrip())
    return "\n".join(lines)
