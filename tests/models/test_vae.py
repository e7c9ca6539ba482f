"""VAE: architectures, the loss it reports, save/load/resume."""

import numpy as np
import pytest
import tensorflow as tf

from tfgen.errors import InputError
from tfgen.losses import bernoulli_nll, gaussian_kl, gaussian_nll
from tfgen.models.vae import VAE, build_vae


@pytest.mark.parametrize("architecture", ["conv", "dense"])
@pytest.mark.parametrize("shape", [(8, 8, 1), (28, 28, 1), (32, 32, 3)])
def test_architectures_reconstruct_the_input_shape(architecture, shape):
    vae = build_vae(shape, architecture=architecture, latent_dim=2)
    x = np.random.default_rng(0).uniform(size=(3, *shape)).astype(np.float32)
    assert vae.reconstruct(x).shape == (3, *shape)
    z_mean, z_log_var = vae.encode(x)
    assert z_mean.shape == z_log_var.shape == (3, 2)


def test_reported_loss_is_reconstruction_plus_beta_kl():
    vae = build_vae((8, 8, 1), latent_dim=3, beta=4.0)
    x = tf.random.uniform([5, 8, 8, 1], seed=1)
    logs = vae.test_step(x)
    np.testing.assert_allclose(
        float(logs["loss"]),
        float(logs["reconstruction_loss"]) + 4.0 * float(logs["kl_loss"]),
        rtol=1e-5,
    )


def test_loss_terms_match_the_formulas():
    """Recompute one step's terms from the encoder and decoder outputs by hand."""
    for likelihood in ("bernoulli", "gaussian"):
        vae = build_vae((8, 8, 1), latent_dim=3, likelihood=likelihood, decoder_std=0.2)
        x = tf.random.uniform([4, 8, 8, 1], seed=2)
        seed = tf.constant([3, 4], tf.int64)
        reconstruction, kl = vae.loss_terms(x, seed)
        posterior = vae.encoder(x)
        eps = tf.random.stateless_normal([4, 3], seed=seed)
        z = posterior["z_mean"] + tf.exp(0.5 * posterior["z_log_var"]) * eps
        logits = vae.decoder(z)
        expected = (
            bernoulli_nll(x, logits)
            if likelihood == "bernoulli"
            else gaussian_nll(x, tf.sigmoid(logits), 0.2)
        )
        np.testing.assert_allclose(reconstruction, expected, rtol=1e-5)
        np.testing.assert_allclose(
            kl, gaussian_kl(posterior["z_mean"], posterior["z_log_var"]), rtol=1e-5
        )


def test_bad_options_rejected():
    with pytest.raises(InputError, match="likelihood must be one of"):
        build_vae((8, 8, 1), likelihood="poisson")
    with pytest.raises(InputError, match="architecture must be one of"):
        build_vae((8, 8, 1), architecture="rnn")
    with pytest.raises(InputError, match="beta must be a number >= 0"):
        build_vae((8, 8, 1), beta=-1)


def test_config_round_trip():
    vae = build_vae((8, 8, 1), latent_dim=2, beta=2.5, likelihood="gaussian", decoder_std=0.3)
    clone = VAE.from_config(vae.get_config())
    assert (clone.beta, clone.likelihood, clone.decoder_std, clone.latent_dim) == (
        2.5,
        "gaussian",
        0.3,
        2,
    )


def test_kl_warmup_ramps_the_weight_linearly_to_beta():
    vae = build_vae((8, 8, 1), latent_dim=2, beta=2.0, kl_warmup_steps=4)
    weights = [float(vae.kl_weight(tf.constant(step))) for step in range(6)]
    np.testing.assert_allclose(weights, [0.5, 1.0, 1.5, 2.0, 2.0, 2.0])
    assert float(build_vae((8, 8, 1), beta=3.0).kl_weight(tf.constant(0))) == 3.0
    logs = vae.train_step(tf.random.uniform([4, 8, 8, 1], seed=1))
    assert float(logs["kl_weight"]) == pytest.approx(0.5)


def test_binarize_draws_fresh_binary_data_and_a_fixed_draw_for_evaluation():
    vae = build_vae((8, 8, 1), latent_dim=2, binarize=True)
    x = tf.fill([200, 8, 8, 1], 0.3)
    a, b = vae.model_inputs(x, tf.constant(0)), vae.model_inputs(x, tf.constant(1))
    assert set(np.unique(a)) == {0.0, 1.0}
    assert abs(float(np.mean(a)) - 0.3) < 0.02  # Bernoulli(0.3) pixels
    assert not np.array_equal(a, b)
    np.testing.assert_array_equal(vae.evaluation_inputs(x), vae.evaluation_inputs(x))
    with pytest.raises(InputError, match="binarize=True models binary pixels"):
        build_vae((8, 8, 1), binarize=True, likelihood="gaussian")
