"""Trains each GAN of the family with its defaults on the MNIST files for a fixed wall-clock
budget and prints its FID (tfgen classifier features) and throughput.

    .venv/bin/python -m benchmarks.gan_family_mnist [--mnist DIR] [--seconds 300] [--only ...]
"""

from pathlib import Path

import keras

from benchmarks.common import FidScorer, arguments, fit_for, mnist_path
from tfgen.data import load_dataset
from tfgen.models import build_model, get_spec
from tfgen.utils.images import write_grid

SAMPLES = 10_000
MODELS = ("gan", "dcgan", "cgan", "wgan_gp", "vaegan")


def main():
    parser = arguments(__doc__.split("\n")[0], seconds=300.0)
    parser.add_argument("--only", nargs="*", choices=MODELS)
    parser.add_argument("--out", default="/tmp/tfgen-gan-family", help="sample grids here")
    args = parser.parse_args()
    mnist, out = mnist_path(args.mnist), Path(args.out)
    scorer = FidScorer(mnist)
    print(scorer.describe(), flush=True)
    for name in args.only or MODELS:
        keras.utils.set_random_seed(0)
        model = build_model(name, (28, 28, 1), num_classes=10 if name == "cgan" else None)
        data = load_dataset(
            mnist, batch_size=64, drop_remainder=True, pixel_range=get_spec(name).pixel_range
        )
        seconds = fit_for(model, data, args.seconds)
        images = model.sample(SAMPLES, seed=0)
        steps = int(model.g_optimizer.iterations)
        write_grid(out / f"{name}.png", images[:64], columns=8)
        print(
            f"{name}: {steps} generator steps ({steps * 64 / seconds:.0f} images/s) in "
            f"{seconds:.0f} s, FID {scorer.fid(images):.2f}",
            flush=True,
        )
    print(f"grids in {out}")


if __name__ == "__main__":
    main()
