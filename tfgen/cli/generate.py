"""`tfgen generate --model PATH --n N --out DIR|FILE.tfrecord [--per-class]`"""

from tfgen.cli.arguments import add_model_argument, new_path, positive_int, truncation


def add_parser(verbs):
    p = verbs.add_parser(
        "generate",
        help="write a synthetic dataset (PNG folder or TFRecord) for augmentation",
        description=(
            "Write generated images as a dataset the data layer reads back: a folder of PNG "
            "files (one subfolder per class for a conditional model) or a TFRecord file (with "
            "labels for a conditional model)."
        ),
    )
    add_model_argument(p)
    p.add_argument(
        "--n", type=positive_int, required=True, help="images (per class with --per-class)"
    )
    p.add_argument(
        "--out", required=True, type=new_path, metavar="DIR|FILE.tfrecord", help="a new path"
    )
    p.add_argument("--per-class", action="store_true", help="conditional models: N per class")
    p.add_argument("--seed", type=int, default=0, help="image i uses seed + i (default: 0)")
    p.add_argument("--truncation", type=truncation, default=1.0, help="psi in (0, 1]")
    p.set_defaults(run=run)


def run(args):
    import time

    from tfgen.models import load_model
    from tfgen.tools.synthetic import generate_dataset

    start = time.monotonic()
    path, count, labels = generate_dataset(
        load_model(args.model),
        args.n,
        args.out,
        seed=args.seed,
        truncation=args.truncation,
        per_class=args.per_class,
    )
    labelled = "" if labels is None else f", labelled ({len(set(labels.tolist()))} classes)"
    print(
        f"wrote {count} generated images to {path}{labelled} in "
        f"{time.monotonic() - start:.1f} s; train on it with --data {path}"
    )
