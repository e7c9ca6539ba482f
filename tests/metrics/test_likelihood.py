"""ELBO and IWAE bounds on VAEs whose log-likelihood is known in closed form."""

import math

import numpy as np
import pytest

from tfgen.metrics import elbo, iwae_bound
from tfgen.models.vae import build_vae


def constant_decoder_vae(posterior_mean, logit):
    """A dense VAE whose decoder ignores z (p(x|z) = p(x) = Bernoulli(sigmoid(logit)) per pixel)
    and whose encoder outputs q(z|x) = N(posterior_mean, I) for every x."""
    vae = build_vae((2, 2, 1), latent_dim=3, architecture="dense", widths=[4])
    for layer in vae.decoder.layers + vae.encoder.layers:
        for v in layer.weights:
            v.assign(np.zeros(v.shape, np.float32))
    vae.decoder.layers[-2].bias.assign(np.full(4, logit, np.float32))  # Dense before Reshape
    vae.encoder.get_layer("z_mean").bias.assign(np.full(3, posterior_mean, np.float32))
    return vae


def log_px(images, logit):
    p = 1.0 / (1.0 + math.exp(-logit))
    x = images.reshape(len(images), -1)
    return (x * math.log(p) + (1 - x) * math.log(1 - p)).sum(axis=1)


IMAGES = np.array([[[[1.0], [0.0]], [[1.0], [1.0]]], [[[0.0], [0.0]], [[0.0], [1.0]]]])


def test_bounds_are_exact_when_the_posterior_is_the_prior():
    vae = constant_decoder_vae(posterior_mean=0.0, logit=0.7)
    exact = log_px(IMAGES, 0.7)
    np.testing.assert_allclose(elbo(vae, IMAGES), exact, rtol=1e-5)
    for k in (1, 7, 50):
        np.testing.assert_allclose(iwae_bound(vae, IMAGES, k), exact, rtol=1e-5)


def test_iwae_equals_elbo_at_k1_and_rises_toward_log_px():
    """q = N(1, I) != p(z): ELBO = log p(x) - KL = log p(x) - 3/2. IWAE_1 matches the ELBO in
    expectation and the bound climbs toward log p(x) as K grows."""
    vae = constant_decoder_vae(posterior_mean=1.0, logit=-0.4)
    images = np.repeat(IMAGES, 200, axis=0)  # many draws of the same two images
    exact = log_px(images, -0.4)
    np.testing.assert_allclose(elbo(vae, images), exact - 1.5, rtol=1e-5)
    gaps = {k: float(np.mean(exact - iwae_bound(vae, images, k, seed=k))) for k in (1, 10, 1000)}
    assert gaps[1] == pytest.approx(1.5, abs=0.15)  # the ELBO's gap, in expectation
    assert gaps[1] > gaps[10] > gaps[1000] > 0.0
    assert gaps[1000] < 0.25


def test_k_must_be_positive():
    vae = constant_decoder_vae(0.0, 0.0)
    with pytest.raises(ValueError, match="k must be a positive integer"):
        iwae_bound(vae, IMAGES, 0)


def test_the_progress_bar_moves_every_chunk_of_samples():
    """At K = 5000 a batch of images is 10 chunks of 500 samples: the bar (counting images)
    advances after each chunk by the fraction of the batch it covered."""
    from types import SimpleNamespace

    vae, steps = constant_decoder_vae(0.0, 0.0), []
    images = np.repeat(IMAGES, 5, axis=0)  # 10 images: batches of 4, 4, 2
    iwae_bound(vae, images, 7, batch_size=4, chunk=3, progress=SimpleNamespace(add=steps.append))
    # each batch: chunks of 3, 3 and 1 of the 7 samples
    expected = [n * c / 7 for n in (4, 4, 2) for c in (3, 3, 1)]
    np.testing.assert_allclose(steps, expected)
    assert sum(steps) == pytest.approx(10)
