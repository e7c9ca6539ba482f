"""Undercomplete, sparse and denoising autoencoders: shapes, losses, corruption, save/load."""

import numpy as np
import pytest
import tensorflow as tf

from tfgen.errors import InputError
from tfgen.losses import binary_cross_entropy, kl_sparsity_penalty, mean_squared_error
from tfgen.models import build_model
from tfgen.models.autoencoder import (
    Autoencoder,
    DenoisingAutoencoder,
    SparseAutoencoder,
    corrupt,
)

SEED = tf.constant([5, 6], tf.int64)


@pytest.mark.parametrize("name", ["ae", "sparse_ae", "denoising_ae"])
@pytest.mark.parametrize("architecture", ["conv", "dense"])
def test_shapes_and_code_size(name, architecture):
    model = build_model(name, (28, 28, 1), architecture=architecture, code_size=12)
    x = np.random.default_rng(0).uniform(size=(3, 28, 28, 1)).astype(np.float32)
    assert model.encode_latent(x).shape == (3, 12)
    assert model.reconstruct(x).shape == (3, 28, 28, 1)
    assert model.decode_latent(np.zeros((2, 12), np.float32)).shape == (2, 28, 28, 1)


@pytest.mark.parametrize("loss", ["mse", "bce"])
def test_reported_loss_is_the_reconstruction_error(loss):
    model = build_model("ae", (8, 8, 1), reconstruction_loss=loss, code_size=4)
    x = tf.random.uniform([6, 8, 8, 1], seed=1)
    logs = model.test_step(x)
    logits = model.decoder(model.encoder(x)["code"])
    expected = (mean_squared_error if loss == "mse" else binary_cross_entropy)(x, logits)
    np.testing.assert_allclose(float(logs["loss"]), float(tf.reduce_mean(expected)), rtol=1e-5)


def test_kl_sparse_penalty_and_tracked_activation():
    model = build_model(
        "sparse_ae", (8, 8, 1), code_size=5, sparsity_weight=0.3, target_activation=0.1
    )
    x = tf.random.uniform([6, 8, 8, 1], seed=2)
    code = model.encoder(x)["code"]
    assert float(tf.reduce_min(code)) > 0.0 and float(tf.reduce_max(code)) < 1.0  # sigmoid
    logs = model.test_step(x)
    np.testing.assert_allclose(
        float(logs["sparsity_loss"]), 0.3 * float(kl_sparsity_penalty(code, 0.1)), rtol=1e-5
    )
    np.testing.assert_allclose(
        float(logs["mean_code_activation"]), float(tf.reduce_mean(code)), rtol=1e-5
    )
    np.testing.assert_allclose(
        float(logs["loss"]),
        float(logs["reconstruction_loss"]) + float(logs["sparsity_loss"]),
        rtol=1e-5,
    )


def test_l1_sparse_penalty_uses_a_relu_code_and_its_default_weight():
    model = build_model("sparse_ae", (8, 8, 1), sparsity="l1", code_size=5)
    assert model.sparsity_weight == 1e-4
    x = tf.random.uniform([4, 8, 8, 1], seed=3)
    code = model.encoder(x)["code"]
    assert float(tf.reduce_min(code)) >= 0.0
    expected = 1e-4 * float(tf.reduce_mean(tf.reduce_sum(tf.abs(code), axis=-1)))
    np.testing.assert_allclose(float(model.code_penalty(code)), expected, rtol=1e-5)


def test_gaussian_noise_has_the_requested_sigma():
    grey = tf.fill([200, 16, 16, 1], 0.5)
    noisy = corrupt(grey, "gaussian", 0.1, SEED).numpy()
    assert abs(float(np.std(noisy - 0.5)) - 0.1) < 0.002  # clipping never reached at 5 sigma
    assert noisy.min() >= 0.0 and noisy.max() <= 1.0
    clipped = corrupt(grey, "gaussian", 2.0, SEED).numpy()
    assert clipped.min() == 0.0 and clipped.max() == 1.0


def test_masking_and_salt_and_pepper_hit_the_requested_fraction():
    grey = tf.fill([100, 32, 32, 1], 0.5)
    masked = corrupt(grey, "masking", 0.3, SEED).numpy()
    assert set(np.unique(masked)) == {0.0, 0.5}
    assert abs(float(np.mean(masked == 0.0)) - 0.3) < 0.01
    salted = corrupt(grey, "salt_and_pepper", 0.2, SEED).numpy()
    assert abs(float(np.mean(salted != 0.5)) - 0.2) < 0.01
    assert abs(float(np.mean(salted == 1.0)) - 0.1) < 0.01


def test_denoising_draws_fresh_noise_each_step_and_fixed_noise_for_validation():
    model = build_model("denoising_ae", (8, 8, 1), noise="masking", noise_level=0.5)
    x = tf.random.uniform([4, 8, 8, 1], seed=4)
    np.testing.assert_array_equal(model.corrupt(x, SEED), model.corrupt(x, SEED))
    assert not np.array_equal(model.corrupt(x, SEED), model.corrupt(x, SEED + 1))
    first = float(model.test_step(x)["loss"])
    assert float(model.test_step(x)["loss"]) == pytest.approx(first)  # fixed validation noise
    model.train_step(x)
    assert int(model.optimizer.iterations) == 1


def test_bad_options_rejected():
    with pytest.raises(InputError, match="reconstruction_loss must be one of"):
        build_model("ae", (8, 8, 1), reconstruction_loss="l1")
    with pytest.raises(InputError, match="sparsity must be one of"):
        build_model("sparse_ae", (8, 8, 1), sparsity="l2")
    with pytest.raises(InputError, match=r"target_activation must be a number in \(0, 1\)"):
        build_model("sparse_ae", (8, 8, 1), target_activation=1.5)
    with pytest.raises(InputError, match="noise must be one of"):
        build_model("denoising_ae", (8, 8, 1), noise="blur")
    with pytest.raises(InputError, match="noise_level for masking noise must be a fraction"):
        build_model("denoising_ae", (8, 8, 1), noise="masking", noise_level=1.5)


def test_config_round_trips():
    models = [
        build_model("ae", (8, 8, 1), code_size=3, reconstruction_loss="mse", seed=4),
        build_model(
            "sparse_ae", (8, 8, 1), sparsity="l1", sparsity_weight=0.01, target_activation=0.2
        ),
        build_model("denoising_ae", (8, 8, 1), noise="salt_and_pepper", noise_level=0.2),
    ]
    for model in models:
        clone = type(model).from_config(model.get_config())
        assert clone.get_config() == model.get_config()
    assert isinstance(models[1], SparseAutoencoder) and isinstance(models[2], DenoisingAutoencoder)
    assert isinstance(models[0], Autoencoder)
