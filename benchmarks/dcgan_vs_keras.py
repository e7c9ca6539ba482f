"""tfgen's DCGAN defaults against a plain Keras DCGAN with the DCGAN paper's settings (Adam 2e-4,
beta_1 0.5, batch 64), each trained for the same wall-clock budget on the MNIST files and scored
by the same FID in one run.

    .venv/bin/python -m benchmarks.dcgan_vs_keras [--mnist DIR] [--seconds 600] [--out DIR]

The plain model is the Keras MNIST DCGAN example's networks in the Keras guide's subclassed
`train_step` (benchmarks/plain_keras_gan.py). Target: tfgen's FID at least 1.5x lower.
"""

from pathlib import Path

import keras

from benchmarks.common import FidScorer, arguments, fit_for, mnist_path
from benchmarks.plain_keras_gan import PlainGAN, keras_example_networks
from tfgen.data import load_dataset
from tfgen.models.dcgan import build_dcgan
from tfgen.utils.images import write_grid

SAMPLES = 10_000


def main():
    parser = arguments(__doc__.split("\n")[0], seconds=600.0)
    parser.add_argument("--out", default="/tmp/tfgen-dcgan-vs-keras", help="sample grids here")
    args = parser.parse_args()
    mnist, out = mnist_path(args.mnist), Path(args.out)
    scorer = FidScorer(mnist)
    print(scorer.describe(), flush=True)

    keras.utils.set_random_seed(0)
    generator, discriminator = keras_example_networks()
    plain = PlainGAN(generator, discriminator, latent_dim=128, tanh_output=False)
    plain.compile(keras.optimizers.Adam(2e-4, beta_1=0.5), keras.optimizers.Adam(2e-4, beta_1=0.5))
    data01 = load_dataset(
        mnist, pixel_range=(0, 1), batch_size=64, drop_remainder=True, labels=False
    )
    seconds = fit_for(plain, data01, args.seconds)
    plain_images = plain.sample_images(SAMPLES)
    plain_fid = scorer.fid(plain_images)
    write_grid(out / "plain_keras.png", plain_images[:64], columns=8)
    print(
        f"plain Keras DCGAN: {int(plain.d_optimizer.iterations)} steps in {seconds:.0f} s, "
        f"FID {plain_fid:.2f}",
        flush=True,
    )

    keras.utils.set_random_seed(0)
    gan = build_dcgan((28, 28, 1))
    data = load_dataset(mnist, batch_size=64, drop_remainder=True)
    seconds = fit_for(gan, data, args.seconds)
    images = gan.sample(SAMPLES, seed=0)
    fid = scorer.fid(images)
    write_grid(out / "tfgen_dcgan.png", images[:64], columns=8)
    gan.save(out / "tfgen_dcgan.keras")  # for `tfgen evaluate --model ... --data MNIST`
    print(
        f"tfgen DCGAN (defaults, ema_decay={gan.ema_decay}): {int(gan.g_optimizer.iterations)} "
        f"steps in {seconds:.0f} s, FID {fid:.2f}"
    )
    print(
        f"plain / tfgen FID ratio: {plain_fid / fid:.2f} (target >= 1.5); grids and "
        f"tfgen_dcgan.keras in {out}"
    )


if __name__ == "__main__":
    main()
