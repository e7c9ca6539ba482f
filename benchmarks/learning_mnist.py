"""Trains the DCGAN and the VAE on the real MNIST test split for a fixed wall-clock budget each
and prints throughput and quality figures.

    .venv/bin/python -m benchmarks.learning_mnist [--mnist ../shared/data/mnist] [--seconds 120]

Figures: training images/s; for the DCGAN the pixel-PCA Frechet distance (32 principal
components of real pixels) of 2,000 samples at init and after training, and the real-vs-real
floor (two disjoint halves of the data); for the VAE the held-out negative ELBO in nats.
"""

import argparse

import numpy as np
from sklearn.decomposition import PCA

from benchmarks.common import fit_for
from tfgen.data import load_dataset, read_arrays
from tfgen.metrics import frechet_distance, gaussian_statistics
from tfgen.models.dcgan import build_dcgan
from tfgen.models.vae import build_vae


def pixel_pca_fd(a, b, pca):
    return frechet_distance(
        *gaussian_statistics(pca.transform(a)), *gaussian_statistics(pca.transform(b))
    )


def dcgan(mnist, seconds, batch_size):
    real = read_arrays(mnist).images.reshape(10000, -1).astype(np.float32) / 255
    pca = PCA(32, random_state=0).fit(real)
    floor = pixel_pca_fd(real[::2], real[1::2], pca)
    gan = build_dcgan((28, 28, 1))
    before = pixel_pca_fd(gan.sample(2000, seed=10_000).reshape(2000, -1), real, pca)
    data = load_dataset(mnist, batch_size=batch_size, drop_remainder=True)
    elapsed = fit_for(gan, data, seconds)
    images = int(gan.g_optimizer.iterations) * batch_size
    after = pixel_pca_fd(gan.sample(2000, seed=10_000).reshape(2000, -1), real, pca)
    print(
        f"dcgan: {images / elapsed:.0f} images/s ({images} images in {elapsed:.0f} s); "
        f"pixel-PCA FD {before:.2f} at init -> {after:.2f} (real-vs-real floor {floor:.2f})"
    )


def vae(mnist, seconds, batch_size):
    train, val = load_dataset(
        mnist, pixel_range=(0, 1), batch_size=batch_size, validation_split=0.1, subset="both"
    )
    for architecture in ("dense", "conv"):
        model = build_vae((28, 28, 1), architecture=architecture)
        first = model.evaluate(val, verbose=0, return_dict=True)["loss"]
        elapsed = fit_for(model, train, seconds, validation_data=val)
        history = model.history.history  # of the epochs that finished
        images = int(model.optimizer.iterations) * batch_size
        print(
            f"vae ({architecture}): {images / elapsed:.0f} images/s, {len(history['loss'])} "
            f"epochs in {elapsed:.0f} s; held-out -ELBO {first:.1f} nats at init -> "
            f"{history['val_loss'][-1]:.1f}"
        )


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--mnist", default="../shared/data/mnist")
    parser.add_argument("--seconds", type=float, default=120.0, help="budget per model")
    args = parser.parse_args()
    dcgan(args.mnist, args.seconds, batch_size=64)
    vae(args.mnist, args.seconds, batch_size=128)


if __name__ == "__main__":
    main()
