"""The `tfgen` command line: parses arguments and calls library functions.

TensorFlow is imported only once a command runs, so `--help` answers at once.
"""

import argparse
import json
import sys
import time

MODEL_NAMES = ("dcgan", "vae")  # kept in step with tfgen.models.MODELS (a test checks)


def main(argv=None):
    parser = build_parser()
    args = parser.parse_args(argv)
    from tfgen.callbacks import TrainingDiverged
    from tfgen.errors import InputError

    try:
        return args.run(args) or 0
    except InputError as e:
        parser.exit(2, f"tfgen {args.command}: error: {e}\n")
    except TrainingDiverged as e:
        parser.exit(1, f"tfgen {args.command}: {e}\n")


def build_parser():
    parser = argparse.ArgumentParser(
        prog="tfgen",
        description="Train, sample and export generative models (Keras 3 on TensorFlow).",
    )
    verbs = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    _add_train(verbs)
    _add_sample(verbs)
    _add_export(verbs)
    return parser


def _add_train(verbs):
    p = verbs.add_parser(
        "train",
        help="train a model on a data source",
        description="Train a model; re-run with the same --workdir to resume.",
    )
    p.add_argument("model", choices=MODEL_NAMES, help="the model to train")
    p.add_argument(
        "--data",
        required=True,
        metavar="SOURCE",
        help="'digits', 'tfds:NAME[:SPLIT]', an MNIST IDX folder, an .npz file, an "
        "image folder, or TFRecord files",
    )
    p.add_argument("--epochs", type=_positive_int, required=True, help="total epochs")
    p.add_argument("--batch-size", type=_positive_int, default=64, help="default: 64")
    p.add_argument("--workdir", help="checkpoint, state and TensorBoard logs (default: runs/MODEL)")
    p.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        dest="hparams",
        help="a model hyperparameter, e.g. --set latent_dim=64 --set g_widths=128,64; repeatable",
    )
    p.add_argument(
        "--max-seconds",
        type=_positive_float,
        help="stop cleanly after this wall-clock time, saving the model",
    )
    p.add_argument("--seed", type=int, default=0, help="default: 0")
    p.add_argument(
        "--validation-split",
        type=_fraction,
        help="fraction held out for validation (default: 0.1 for autoencoders, none for GANs)",
    )
    p.add_argument(
        "--image-size",
        type=_positive_int,
        nargs=2,
        metavar=("H", "W"),
        help="resize images to H x W",
    )
    p.add_argument("--channels", type=int, choices=(1, 3), help="convert images to 1 or 3 channels")
    p.add_argument(
        "--skip-errors",
        action="store_true",
        help="skip unreadable image files (they are listed) instead of stopping",
    )
    p.set_defaults(run=_train)


def _add_sample(verbs):
    p = verbs.add_parser(
        "sample",
        help="write a grid of samples as PNG",
        description="Sample images from a saved model into one PNG grid.",
    )
    p.add_argument("--model", required=True, metavar="PATH", help="a saved .keras model")
    p.add_argument("--n", type=_positive_int, default=64, help="number of images (default: 64)")
    p.add_argument("--out", required=True, metavar="PNG", help="output PNG file")
    p.add_argument(
        "--seed",
        type=int,
        default=0,
        help="image i uses seed + i, as the exported `sample` signature does",
    )
    p.add_argument(
        "--truncation",
        type=_truncation,
        default=1.0,
        help="psi in (0, 1]: 1 samples the prior, smaller is more typical",
    )
    p.add_argument("--columns", type=_positive_int, help="grid columns (default: square)")
    p.add_argument(
        "--upscale",
        type=_positive_int,
        help="repeat each pixel N times (default: enough for a 256-pixel grid)",
    )
    p.set_defaults(run=_sample)


def _add_export(verbs):
    p = verbs.add_parser(
        "export",
        help="export a SavedModel for TF Serving",
        description="Export the serving signatures as <base>/<name>/<next integer version>/.",
    )
    p.add_argument("--model", required=True, metavar="PATH", help="a saved .keras model")
    p.add_argument("--name", required=True, help="the served model's name")
    p.add_argument("--base", default="saved_models", help="default: saved_models")
    p.set_defaults(run=_export)


def _train(args):
    from tfgen.training import train

    workdir = args.workdir or f"runs/{args.model}"
    result = train(
        args.model,
        args.data,
        epochs=args.epochs,
        workdir=workdir,
        batch_size=args.batch_size,
        hparams=parse_assignments(args.hparams),
        max_seconds=args.max_seconds,
        seed=args.seed,
        validation_split="default" if args.validation_split is None else args.validation_split,
        image_size=args.image_size,
        channels=args.channels,
        skip_errors=args.skip_errors,
    )
    if result.stopped_by == "already_trained":
        print(
            f"{workdir} already holds {result.epochs} trained epochs (asked for {args.epochs}); "
            "nothing to do. Raise --epochs to continue training."
        )
    else:
        note = " (stopped by --max-seconds)" if result.stopped_by == "max_seconds" else ""
        print(f"trained {args.model} to epoch {result.epochs} in {result.seconds:.1f} s{note}")
    print(f"model: {result.paths.model}\nTensorBoard: tensorboard --logdir {result.paths.logs}")


def _sample(args):
    from tfgen.callbacks.image_summaries import MIN_GRID_PIXELS
    from tfgen.images import image_grid, write_png
    from tfgen.models import load_model

    model = load_model(args.model)
    start = time.monotonic()
    grid = image_grid(
        model.sample(args.n, seed=args.seed, truncation=args.truncation), args.columns
    )
    upscale = args.upscale or max(1, MIN_GRID_PIXELS // max(grid.shape[:2]))
    write_png(args.out, grid, upscale=upscale)
    print(
        f"wrote {args.n} samples (seeds {args.seed}..{args.seed + args.n - 1}, truncation "
        f"{args.truncation}) to {args.out} in {time.monotonic() - start:.1f} s"
    )


def _export(args):
    from tfgen.export import export_model
    from tfgen.models import load_model

    path = export_model(load_model(args.model), args.name, base=args.base)
    print(f"exported {args.model} to {path}\ninspect: saved_model_cli show --dir {path} --all")


def parse_assignments(items):
    """["a=1", "b=64,32", "c=relu"] -> {"a": 1, "b": [64, 32], "c": "relu"}."""
    from tfgen.errors import InputError

    values = {}
    for item in items:
        key, sep, text = item.partition("=")
        if not sep or not key:
            raise InputError(f"--set expects KEY=VALUE. Received: {item!r}")
        values[key.strip()] = parse_value(text.strip())
    return values


def parse_value(text):
    """JSON where it parses (1, 0.5, true, [1, 2], null), else Python spellings, a
    comma-separated list, or the plain string."""
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        pass
    python_spellings = {"True": True, "False": False, "None": None}
    if text in python_spellings:
        return python_spellings[text]
    if "," in text:
        return [parse_value(part.strip()) for part in text.split(",") if part.strip()]
    return text


def _positive_int(text):
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a positive integer, received {text!r}")
    return value


def _positive_float(text):
    try:
        value = float(text)
    except ValueError:
        value = 0.0
    if not value > 0:
        raise argparse.ArgumentTypeError(f"expected a number > 0, received {text!r}")
    return value


def _fraction(text):
    value = _float_or_none(text)
    if value is None or not 0 <= value < 1:
        raise argparse.ArgumentTypeError(f"expected a fraction in [0, 1), received {text!r}")
    return value


def _truncation(text):
    value = _float_or_none(text)
    if value is None or not 0 < value <= 1:
        raise argparse.ArgumentTypeError(f"expected psi in (0, 1], received {text!r}")
    return value


def _float_or_none(text):
    try:
        return float(text)
    except ValueError:
        return None


if __name__ == "__main__":
    sys.exit(main())
