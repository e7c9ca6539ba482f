"""`tfgen sample --model PATH --n N --out grid.png [--seed S] [--truncation PSI]`"""

import time

from tfgen.cli.arguments import positive_int, truncation


def add_parser(verbs):
    p = verbs.add_parser(
        "sample",
        help="write a grid of samples as PNG",
        description="Sample images from a saved model into one PNG grid.",
    )
    p.add_argument("--model", required=True, metavar="PATH", help="a saved .keras model")
    p.add_argument("--n", type=positive_int, default=64, help="number of images (default: 64)")
    p.add_argument("--out", required=True, metavar="PNG", help="output PNG file")
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
    p.add_argument("--columns", type=positive_int, help="grid columns (default: square)")
    p.add_argument(
        "--upscale",
        type=positive_int,
        help="repeat each pixel N times (default: enough for a 256-pixel grid)",
    )
    p.set_defaults(run=run)


def run(args):
    from tfgen.errors import InputError
    from tfgen.images import write_grid
    from tfgen.models import load_model

    model = load_model(args.model)
    if not hasattr(model, "sample"):
        raise InputError(
            f"{args.model}: a {type(model).__name__} has no latent prior to sample from; "
            "use `tfgen latent` to decode codes of real images."
        )
    start = time.monotonic()
    images = model.sample(args.n, seed=args.seed, truncation=args.truncation)
    write_grid(args.out, images, columns=args.columns, upscale=args.upscale)
    print(
        f"wrote {args.n} samples (seeds {args.seed}..{args.seed + args.n - 1}, truncation "
        f"{args.truncation}) to {args.out} in {time.monotonic() - start:.1f} s"
    )
