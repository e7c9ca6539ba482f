"""DCGAN: architecture per image size, the training step's game, save/load/resume."""

import keras
import numpy as np
import pytest
import tensorflow as tf

from tfgen.errors import InputError
from tfgen.models import build_model, load_model
from tfgen.models.dcgan import build_dcgan
from tfgen.models.gan import GAN
from tfgen.ops.sampling import training_latents

TINY = dict(g_widths=[32, 16, 8], d_widths=[8, 16], latent_dim=8)


def weights_of(model):
    return [v.numpy().copy() for v in model.trainable_variables]


def changed(before, after):
    return any(not np.array_equal(a, b) for a, b in zip(before, after))


@pytest.mark.parametrize(
    "shape, g_strides",
    [
        ((8, 8, 1), [1, 1, 2]),
        ((28, 28, 1), [1, 2, 2]),
        ((32, 32, 3), [2, 2, 2]),
        ((64, 64, 3), [2, 2, 2, 2]),
    ],
)
def test_architecture_adapts_to_image_size(shape, g_strides):
    gan = build_dcgan(shape, latent_dim=16)
    assert gan.generator.output_shape == (None, *shape)
    assert gan.discriminator.output_shape == (None, 1)
    transposed = [x for x in gan.generator.layers if isinstance(x, keras.layers.Conv2DTranspose)]
    strides = [x.strides[0] for x in transposed]
    assert strides == g_strides
    images = gan.generator(tf.random.normal([3, 16]) * 10, training=False)
    assert float(tf.reduce_max(tf.abs(images))) <= 1.0  # tanh output


def test_weights_initialised_from_normal_0_02():
    gan = build_dcgan((28, 28, 1))
    for model in (gan.generator, gan.discriminator):
        for v in model.trainable_variables:
            if "kernel" in v.path:
                assert abs(float(np.std(v.numpy())) - 0.02) < 0.002, v.path
                assert abs(float(np.mean(v.numpy()))) < 0.002, v.path


def test_one_step_updates_d_k_times_then_g_once():
    gan = build_dcgan((8, 8, 1), d_steps=3, **TINY)
    g_before, d_before = weights_of(gan.generator), weights_of(gan.discriminator)
    logs = gan.train_step(tf.random.uniform([16, 8, 8, 1], -1, 1))
    assert int(gan.d_optimizer.iterations) == 3 and int(gan.g_optimizer.iterations) == 1
    assert changed(g_before, weights_of(gan.generator))
    assert changed(d_before, weights_of(gan.discriminator))
    assert set(logs) == {
        "d_loss",
        "g_loss",
        "d_real_acc",
        "d_fake_acc",
        "d_grad_norm",
        "g_grad_norm",
    }


def test_generator_step_leaves_discriminator_locked():
    gan = build_dcgan((8, 8, 1), **TINY)
    d_before, g_before = weights_of(gan.discriminator), weights_of(gan.generator)
    gan.generator_step(training_latents(16, 8, seed=0, step=0, stream=0), None)
    assert not changed(d_before, weights_of(gan.discriminator))
    assert changed(g_before, weights_of(gan.generator))


def test_training_noise_is_a_function_of_seed_and_step():
    a = training_latents(4, 8, seed=1, step=5, stream=0)
    np.testing.assert_array_equal(a, training_latents(4, 8, seed=1, step=5, stream=0))
    assert not np.allclose(a, training_latents(4, 8, seed=1, step=6, stream=0))
    assert not np.allclose(a, training_latents(4, 8, seed=1, step=5, stream=1))


def test_d_accuracy_metrics_follow_logit_signs():
    gan = build_dcgan((8, 8, 1), **TINY)
    gan.discriminator.get_layer("logits").bias.assign([50.0])  # D calls everything real
    logs = gan.train_step(tf.zeros([8, 8, 8, 1]))
    assert float(logs["d_real_acc"]) == 1.0 and float(logs["d_fake_acc"]) == 0.0


def test_minimax_loss_selectable_and_bad_options_rejected():
    assert build_dcgan((8, 8, 1), loss="minimax", **TINY).adversarial_loss == "minimax"
    with pytest.raises(InputError, match="loss must be one of"):
        build_dcgan((8, 8, 1), loss="kl", **TINY)
    with pytest.raises(InputError, match="d_steps must be a positive integer"):
        build_dcgan((8, 8, 1), d_steps=0, **TINY)
    with pytest.raises(InputError, match="unknown hyperparameter.*'lr'.*it accepts"):
        build_model("dcgan", (8, 8, 1), lr=0.1)
    with pytest.raises(InputError, match="halve a different number of times"):
        build_dcgan((8, 16, 1))


def test_hparams_that_crossed_json_as_doubles_build():
    # a pipeline config reaches the Trainer through protobuf, where 16 arrives as 16.0
    gan = build_model("dcgan", (8, 8, 1), latent_dim=16.0, g_widths=[32.0, 16.0], d_steps=2.0)
    assert (gan.latent_dim, gan.d_steps) == (16, 2) and isinstance(gan.latent_dim, int)
    assert gan.generator(tf.zeros([1, 16])).shape == (1, 8, 8, 1)
    with pytest.raises(InputError, match="d_steps must be a positive integer"):
        build_model("dcgan", (8, 8, 1), d_steps=1.5)


def test_config_round_trip():
    gan = build_dcgan((8, 8, 1), d_steps=2, loss="minimax", seed=7, **TINY)
    clone = GAN.from_config(gan.get_config())
    assert (clone.d_steps, clone.adversarial_loss, clone.seed, clone.latent_dim) == (
        2,
        "minimax",
        7,
        8,
    )
    assert [x.name for x in clone.generator.layers] == [x.name for x in gan.generator.layers]


def test_sample_is_deterministic_per_seed_and_truncation_shrinks_to_mean():
    gan = build_dcgan((8, 8, 1), **TINY)
    a = gan.sample(4, seed=10)
    np.testing.assert_array_equal(a, gan.sample(4, seed=10))
    np.testing.assert_array_equal(a[1:], gan.sample(3, seed=11))  # image i is seed + i
    assert not np.allclose(a, gan.sample(4, seed=20))
    assert a.min() >= 0.0 and a.max() <= 1.0
    mean_image = gan.generate(np.zeros([1, 8], np.float32))[0]
    np.testing.assert_allclose(gan.sample(2, truncation=1e-6), [mean_image] * 2, atol=1e-4)


def test_load_model_errors(tmp_path):
    with pytest.raises(InputError, match="missing.keras: no such model file"):
        load_model(tmp_path / "missing.keras")
    with pytest.raises(InputError, match="expected a saved model file ending in .keras"):
        load_model(tmp_path / "model.h5")
    (tmp_path / "junk.keras").write_bytes(b"junk")
    with pytest.raises(InputError, match="junk.keras: cannot load the model"):
        load_model(tmp_path / "junk.keras")
