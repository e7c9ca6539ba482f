"""`tfgen sample --model PATH --n N --out grid.png [--seed S] [--truncation PSI] ...`"""

import time

from tfgen.cli.arguments import add_model_argument, output_file, positive_int, psi_list, truncation


def add_parser(verbs):
    p = verbs.add_parser(
        "sample",
        help="write a grid of samples as PNG",
        description=(
            "Sample images from a saved model into one PNG grid; or a truncation sweep, a seed "
            "interpolation strip, or one row per class."
        ),
    )
    add_model_argument(p)
    p.add_argument("--n", type=positive_int, default=64, help="number of images (default: 64)")
    p.add_argument(
        "--out", required=True, type=output_file(".png"), metavar="PNG", help="output PNG file"
    )
    p.add_argument(
        "--seed",
        type=int,
        default=0,
        help="image i uses seed + i, as the exported `sample` signature does",
    )
    p.add_argument(
        "--truncation",
        type=truncation,
        default=1.0,
        help="psi in (0, 1]: 1 samples the prior, smaller is more typical",
    )
    p.add_argument(
        "--truncation-method",
        choices=("scale", "resample"),
        help="scale a 2-sigma truncated normal by psi, or redraw values beyond 2 psi "
        "(default: the model's, as its exported `sample` uses)",
    )
    p.add_argument("--columns", type=positive_int, help="grid columns (default: square)")
    p.add_argument(
        "--upscale",
        type=positive_int,
        help="repeat each pixel N times (default: enough for a 256-pixel grid, or for a "
        "labelled figure 64-pixel cells and 400 pixels)",
    )
    kind = p.add_mutually_exclusive_group()
    kind.add_argument(
        "--psi-sweep",
        type=psi_list,
        metavar="PSIS",
        help="rows at these truncations, e.g. 1,0.8,0.6,0.4,0.2 (--n images each)",
    )
    kind.add_argument(
        "--interpolate",
        type=int,
        nargs=2,
        metavar=("SEED_A", "SEED_B"),
        help="a strip of --n images along the spherical path between two seeds' latents",
    )
    kind.add_argument(
        "--per-class",
        action="store_true",
        help="conditional models: one row of --n images per class",
    )
    p.add_argument("--label", type=int, help="conditional models: every image of this class")
    p.set_defaults(run=run)


def run(args):
    from tfgen.errors import InputError
    from tfgen.models import load_model
    from tfgen.utils import plots
    from tfgen.utils.images import write_grid

    model = load_model(args.model)
    if not model.can_sample:
        raise InputError(
            f"{args.model}: a {type(model).__name__} has no latent prior to sample from; "
            "use `tfgen latent` to decode codes of real images."
        )
    if (args.per_class or args.label is not None) and not model.is_conditional:
        raise InputError(f"{args.model}: --per-class and --label need a conditional model (cgan).")
    start = time.monotonic()
    images, columns, what, labels = _draw(model, args)
    if labels is None:  # plain samples: a bare grid, to embed or to feed on
        write_grid(args.out, images, columns=args.columns or columns, upscale=args.upscale)
    else:  # a sweep, a strip or class rows: a figure that says what each row or column is
        plots.save_figure(
            plots.image_table(images, columns, title=what, upscale=args.upscale, **labels),
            args.out,
        )
    print(f"wrote {what} to {args.out} in {time.monotonic() - start:.1f} s")


def _draw(model, args):
    """(images, default columns, description, row/column labels or None for a bare grid)."""
    import numpy as np

    from tfgen.tools import latent

    method, psi = args.truncation_method, args.truncation
    label = {} if args.label is None else {"labels": args.label}
    if args.psi_sweep:
        psis = args.psi_sweep
        images = latent.psi_sweep(model, args.n, psis, seed=args.seed, method=method)
        rows = [f"psi {p:g}" for p in psis]
        return images, args.n, f"truncation sweep, seeds {_seeds(args)}", {"row_labels": rows}
    if args.interpolate:
        a, b = args.interpolate
        one_class = 0 if model.is_conditional else None
        images = latent.interpolate_seeds(
            model, a, b, args.n, truncation=psi, labels=label.get("labels", one_class)
        )
        columns = [f"t={t:.2f}" for t in np.linspace(0.0, 1.0, args.n)]
        columns[0], columns[-1] = (f"seed {a}", f"seed {b}") if args.n > 1 else (f"seed {a}",) * 2
        what = f"{args.n}-step slerp from seed {a} to seed {b}"
        return images, args.n, what, {"column_labels": columns}
    if args.per_class:
        images = model.sample_per_class(args.n, seed=args.seed, truncation=psi, method=method)
        rows = class_names(args.model, model.num_classes)
        return (
            images,
            args.n,
            f"{args.n} samples per class, seeds {_seeds(args)}",
            {"row_labels": rows},
        )
    images = model.sample(args.n, seed=args.seed, truncation=psi, method=method, **label)
    return images, None, f"{args.n} samples (seeds {_seeds(args)}, truncation {psi})", None


def class_names(model_path, num_classes):
    """The class names of the data the model was trained on when a class-folder source gives
    them (its subfolders), else "class 0", "class 1", ..."""
    from pathlib import Path

    from tfgen.data.folder import list_images
    from tfgen.errors import InputError
    from tfgen.training.record import read_record

    try:
        record = read_record(model_path)
        folder = Path(record.data) if record else None
        names = list_images(folder)[2] if folder and folder.is_dir() else None
    except InputError:  # the record or the folder is unreadable: numbered classes still help
        names = None
    if names and len(names) == num_classes:
        return list(names)
    return [f"class {k}" for k in range(num_classes)]


def _seeds(args):
    return f"{args.seed}..{args.seed + args.n - 1}"
