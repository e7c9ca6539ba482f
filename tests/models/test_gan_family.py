"""The GAN family: MLP GAN, conditional GAN, WGAN-GP, VAE-GAN; options, EMA, truncation."""

import keras
import numpy as np
import pytest
import tensorflow as tf

from tests.conftest import run_python
from tfgen.data import load_dataset
from tfgen.errors import InputError
from tfgen.models import build_model, hparam_defaults
from tfgen.models.cgan import ConditionalGAN
from tfgen.ops.sampling import latents_from_seeds

TINY = {
    "gan": dict(latent_dim=8, g_widths=[32, 32], d_widths=[32]),
    "dcgan": dict(latent_dim=8, g_widths=[16, 8, 4], d_widths=[4, 8]),
    "cgan": dict(latent_dim=8, g_widths=[16, 8, 4], d_widths=[4, 8]),
    "wgan_gp": dict(latent_dim=8, g_widths=[16, 8, 4], d_widths=[4, 8]),
    "vaegan": dict(latent_dim=4, widths=[8, 8], hidden=16, d_widths=[4, 8]),
}


def tiny(name, **kwargs):
    return build_model(
        name, (8, 8, 1), num_classes=10 if name == "cgan" else None, **{**TINY[name], **kwargs}
    )


def digits(model, n=64):
    ds = load_dataset("digits", batch_size=n, drop_remainder=True, pixel_range=model.pixel_range)
    return ds


def test_wgan_gp_follows_the_paper():
    wgan = tiny("wgan_gp")
    assert (wgan.adversarial_loss, wgan.gradient_penalty, wgan.d_steps) == ("wasserstein", 10.0, 5)
    critic_layers = {type(layer).__name__ for layer in wgan.discriminator.layers}
    assert "BatchNormalization" not in critic_layers
    for optimizer in (wgan.d_optimizer, wgan.g_optimizer):
        assert (
            float(optimizer.learning_rate),
            optimizer.beta_1,
            optimizer.beta_2,
        ) == pytest.approx((1e-4, 0.0, 0.9))
    logs = wgan.train_step(tf.random.uniform([16, 8, 8, 1], -1, 1))
    assert int(wgan.d_optimizer.iterations) == 5 and float(logs["d_penalty"]) > 0.0


def test_separate_optimizer_settings_and_catalogue_defaults():
    gan = tiny("dcgan", d_learning_rate=1e-3, g_learning_rate=5e-5, d_beta_1=0.1, g_beta_2=0.95)
    assert float(gan.d_optimizer.learning_rate) == pytest.approx(1e-3)
    assert float(gan.g_optimizer.learning_rate) == pytest.approx(5e-5)
    assert gan.d_optimizer.beta_1 == pytest.approx(0.1) and gan.g_optimizer.beta_2 == 0.95
    defaults = hparam_defaults("dcgan")
    assert defaults["d_learning_rate"] == 2e-4 and defaults["d_beta_1"] == 0.5
    assert hparam_defaults("wgan_gp")["gradient_penalty"] == 10.0


@pytest.mark.parametrize(
    "options, message",
    [
        (dict(loss="wasserstein", label_smoothing=0.1), "change cross-entropy targets"),
        (dict(label_noise=0.7), r"label_noise must be a number in \[0, 0.5\)"),
        (dict(ema_decay=1.0), r"ema_decay must be a number in \[0, 1\)"),
        (dict(truncation_method="clip"), "truncation_method must be one of"),
        (dict(bogus=1), r"unknown hyperparameter\(s\) \['bogus'\]"),
    ],
)
def test_bad_options_are_rejected(options, message):
    with pytest.raises(InputError, match=message):
        tiny("dcgan", **options)


def test_ema_update_follows_the_warmed_up_decay():
    gan = tiny("dcgan", ema_decay=0.999)
    for weight, average in zip(gan.generator.weights, gan.ema_generator.weights):
        weight.assign(tf.fill(weight.shape, 1.0))
        average.assign(tf.fill(average.shape, 3.0))
    gan.g_optimizer.iterations.assign(20)
    gan._update_ema()
    decay = min(0.999, 21 / 30)  # (1 + step) / (10 + step) while it is below the decay
    kernel = gan.ema_generator.weights[0]  # the dense kernel: trainable in the live generator
    np.testing.assert_allclose(kernel.numpy(), decay * 3 + (1 - decay) * 1, rtol=1e-6)
    assert not gan.ema_generator.trainable and gan.sampling_generator is gan.ema_generator


@pytest.mark.slow
def test_ema_state_is_saved_and_sampling_uses_it(tmp_path):
    gan = tiny("dcgan", ema_decay=0.9)
    gan.fit(digits(gan).take(4), epochs=1, verbose=0)
    z = np.random.default_rng(0).normal(size=(3, 8)).astype(np.float32)
    averaged = (gan.ema_generator(z, training=False).numpy() + 1) / 2
    live = (gan.generator(z, training=False).numpy() + 1) / 2
    assert not np.allclose(averaged, live)
    np.testing.assert_allclose(gan.generate(z), averaged, atol=1e-6)
    gan.save(tmp_path / "ema.keras")
    np.save(tmp_path / "z.npy", z)
    np.save(tmp_path / "averaged.npy", averaged)
    run_python(f"""
        import numpy as np
        from tfgen.models import load_model
        gan = load_model({str(tmp_path / "ema.keras")!r})
        z = np.load({str(tmp_path / "z.npy")!r})
        assert np.allclose(gan.generate(z), np.load({str(tmp_path / "averaged.npy")!r}), atol=1e-6)
        assert gan.ema_decay == 0.9
    """)


@pytest.mark.parametrize("method", ["scale", "resample"])
def test_truncation_bounds_and_limits(method):
    seeds = np.arange(200, dtype=np.int64)
    z = latents_from_seeds(seeds, np.full(200, 0.5, np.float32), 16, method).numpy()
    bound = 1.0  # scale: 0.5 x a 2-sigma truncated normal; resample: |z| < 2 x 0.5
    assert np.abs(z).max() <= bound + 1e-6 and np.abs(z).max() > 0.8 * bound
    prior = latents_from_seeds(seeds, np.ones(200, np.float32), 16, method).numpy()
    np.testing.assert_allclose(
        prior[0], tf.random.stateless_normal([16], seed=tf.constant([0, 0], tf.int64))
    )
    assert abs(prior.std() - 1.0) < 0.05
    tiny_psi = latents_from_seeds(seeds[:3], np.full(3, 1e-6, np.float32), 16, method).numpy()
    assert np.abs(tiny_psi).max() < 1e-5  # psi -> 0: the mean latent, hence the mean image


def test_truncation_is_deterministic_per_seed_and_psi_to_zero_gives_the_mean_image():
    gan = tiny("dcgan", truncation_method="resample")
    np.testing.assert_array_equal(
        gan.sample(4, seed=3, truncation=0.7), gan.sample(4, seed=3, truncation=0.7)
    )
    mean_image = gan.generate(np.zeros([1, 8], np.float32))[0]
    for method in ("scale", "resample"):
        np.testing.assert_allclose(
            gan.sample(2, truncation=1e-6, method=method), [mean_image] * 2, atol=1e-4
        )


def test_conditional_gan_follows_its_labels():
    keras.utils.set_random_seed(0)  # the initial weights must not depend on the test order
    cgan = tiny("cgan")
    assert isinstance(cgan, ConditionalGAN)
    cgan.fit(digits(cgan).take(5), epochs=1, verbose=0)
    z = np.repeat(np.random.default_rng(1).normal(size=(1, 8)).astype(np.float32), 3, axis=0)
    images = cgan.generate(z, [0, 1, 0])
    np.testing.assert_allclose(images[0], images[2], atol=1e-6)
    # same z, another class: a change far above float noise (the tiny net's outputs all sit
    # near tanh(0) = 0.5 this early, so the change is small in absolute terms)
    assert np.abs(images[0] - images[1]).max() > 20 * np.abs(images[0] - images[2]).max() + 1e-5
    grid = cgan.sample_per_class(2, seed=4)
    assert grid.shape == (20, 8, 8, 1)
    np.testing.assert_allclose(grid[2:4], cgan.sample(2, seed=4, labels=1), atol=1e-6)
    with pytest.raises(InputError, match=r"labels must be in \[0, 10\)"):
        cgan.sample(2, labels=12)
    with pytest.raises(InputError, match="trains on labelled data"):
        cgan.train_step(tf.zeros([4, 8, 8, 1]))
    concat = tiny("cgan", conditioning="concat")
    assert "label_plane" in [layer.name for layer in concat.discriminator.layers]
    assert "label_projection" in [layer.name for layer in cgan.discriminator.layers]


def test_vaegan_locks_d_while_the_autoencoder_trains():
    vaegan = tiny("vaegan", adversarial_weight=2.0)
    d_before = [v.numpy().copy() for v in vaegan.discriminator.trainable_variables]
    x = tf.random.uniform([8, 8, 8, 1])
    eps = tf.zeros([8, 4])
    vaegan._autoencoder_step(x, eps, eps)
    assert all(
        np.array_equal(a, b.numpy())
        for a, b in zip(d_before, vaegan.discriminator.trainable_variables)
    )
    logs = vaegan.train_step(x)
    assert {"loss", "reconstruction_loss", "kl_loss", "d_loss", "g_loss"} <= set(logs)
    assert vaegan.reconstruct(x.numpy()).shape == (8, 8, 8, 1)


def test_discriminator_trains_on_fgsm_perturbed_inputs():
    gan = tiny("dcgan", d_adversarial_eps=0.1)
    real = tf.random.uniform([8, 8, 8, 1], -1, 1, seed=1)
    fake = tf.random.uniform([8, 8, 8, 1], -1, 1, seed=2)
    real_adv, fake_adv = gan._adversarial_inputs(real, fake, None)
    assert float(tf.reduce_max(tf.abs(real_adv - real))) <= 0.1 + 1e-6
    score = gan.discriminator
    assert float(tf.reduce_mean(score(real_adv))) < float(tf.reduce_mean(score(real)))
    assert float(tf.reduce_mean(score(fake_adv))) > float(tf.reduce_mean(score(fake)))
    gan.train_step(real)
    assert int(gan.d_optimizer.iterations) == 1
