"""The models learn on real data: the MNIST test split (10,000 digits) from the official files.

Sample quality here is the Frechet distance between Gaussians fitted to 32 principal components
of pixels (PCA fitted on the real digits): crude next to a learned feature space, but it needs
nothing but the data and it falls as samples move toward the data.
"""

import numpy as np
import pytest
from sklearn.decomposition import PCA

from tfgen.data import load_dataset, read_arrays
from tfgen.metrics import frechet_distance, gaussian_statistics
from tfgen.models.dcgan import build_dcgan
from tfgen.models.vae import build_vae

pytestmark = pytest.mark.slow


def pixel_pca_fd(real, fake, pca):
    return frechet_distance(
        *gaussian_statistics(pca.transform(fake)), *gaussian_statistics(pca.transform(real))
    )


def mean_pairwise_distance(x):
    x = x[:500]
    return float(np.sqrt(((x[:, None] - x[None]) ** 2).sum(-1)).mean())


def test_dcgan_samples_move_toward_mnist(mnist_dir):
    real = read_arrays(str(mnist_dir)).images.reshape(10000, -1).astype(np.float32) / 255
    pca = PCA(32, random_state=0).fit(real)
    gan = build_dcgan((28, 28, 1), g_widths=[128, 64, 32], d_widths=[32, 64], latent_dim=32)
    fd_before = pixel_pca_fd(real, gan.sample(2000, seed=10_000).reshape(2000, -1), pca)
    gan.fit(load_dataset(str(mnist_dir), batch_size=64, drop_remainder=True), epochs=2, verbose=2)
    fake = gan.sample(2000, seed=10_000).reshape(2000, -1)
    fd_after = pixel_pca_fd(real, fake, pca)
    print(f"DCGAN pixel-PCA FD: {fd_before:.2f} at init -> {fd_after:.2f} after 2 epochs")
    assert fd_after < 0.3 * fd_before
    # no mode collapse: samples about as spread out as real digits
    assert mean_pairwise_distance(fake) > 0.7 * mean_pairwise_distance(real)


def test_vae_held_out_loss_falls_well_below_first_epoch(mnist_dir):
    train, val = load_dataset(
        str(mnist_dir), pixel_range=(0, 1), batch_size=128, validation_split=0.1, subset="both"
    )
    vae = build_vae((28, 28, 1), architecture="dense", latent_dim=16)
    history = vae.fit(train, validation_data=val, epochs=6, verbose=2).history
    first, last = history["val_loss"][0], history["val_loss"][-1]
    print(f"VAE held-out loss (nats): epoch 1 {first:.1f} -> epoch 6 {last:.1f}")
    assert last < 0.8 * first
    assert last < 140.0
