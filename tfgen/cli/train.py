"""`tfgen train MODEL --data SOURCE --epochs N ...`"""

import argparse

from tfgen.cli.arguments import (
    add_data_arguments,
    data_options,
    fraction,
    parse_assignments,
    positive_float,
    positive_int,
)

# kept in step with tfgen.models.MODELS (a test checks); listed here so --help needs no TF
MODEL_NAMES = (
    "ae",
    "sparse_ae",
    "denoising_ae",
    "vae",
    "gan",
    "dcgan",
    "cgan",
    "wgan_gp",
    "vaegan",
    "classifier",
)


def add_parser(verbs):
    p = verbs.add_parser(
        "train",
        help="train a model on a data source",
        description="Train a model; re-run with the same --workdir to resume.",
    )
    p.add_argument("model", choices=MODEL_NAMES, help="the model to train")
    add_data_arguments(p)
    p.add_argument("--epochs", type=positive_int, required=True, help="total epochs")
    p.add_argument("--batch-size", type=positive_int, default=64, help="default: 64")
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
        type=positive_float,
        help="stop cleanly after this wall-clock time, saving the model",
    )
    p.add_argument(
        "--early-stopping",
        type=positive_int,
        metavar="PATIENCE",
        help="stop once the validation loss has not improved for PATIENCE epochs, keeping "
        "the best epoch's weights",
    )
    p.add_argument("--seed", type=int, default=0, help="default: 0")
    p.add_argument(
        "--no-monitor", action="store_true", help="GANs: turn off the training-health monitor"
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
        choices=("float32", "mixed_float16", "mixed_bfloat16"),
        default="float32",
        help="mixed_float16 on GPUs (both optimizers loss-scaled), mixed_bfloat16 on TPUs and "
        "CPUs/GPUs with bf16 units; variables stay float32 (default: float32)",
    )
    g.add_argument(
        "--strategy",
        choices=("auto", "one_device", "mirrored", "multi_worker"),
        default="auto",
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
        help="bit-for-bit reproducible training for a given seed (TF op determinism; slower)",
    )


def run(args):
    from tfgen.runtime import Runtime
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
        monitor=not args.no_monitor,
        validation_split="default" if args.validation_split is None else args.validation_split,
        runtime=Runtime(args.precision, args.strategy, args.jit, args.deterministic),
        early_stopping=args.early_stopping,
        **data_options(args),
    )
    if result.stopped_by == "already_trained":
        print(
            f"{workdir} already holds {result.epochs} trained epochs (asked for {args.epochs}); "
            "nothing to do. Raise --epochs to continue training."
        )
    else:
        note = {
            "max_seconds": " (stopped by --max-seconds)",
            "early_stopping": " (stopped early: the validation loss stopped improving; the "
            f"model holds the best epoch's weights, also in {result.paths.best})",
        }.get(result.stopped_by, "")
        print(f"trained {args.model} to epoch {result.epochs} in {result.seconds:.1f} s{note}")
    print(f"model: {result.paths.model}\nTensorBoard: tensorboard --logdir {result.paths.logs}")
