"""SNGAN and the conditional SNGAN: the paper's defaults, spectral norm holding D's largest
singular values at 1 through training (drifting without it), self-attention models that
train, save, load and resume exactly, and cgan's conditional batch norm."""

import json

import keras
import numpy as np
import pytest
import tensorflow as tf

from tests.conftest import run_python
from tfgen.data import load_dataset
from tfgen.errors import InputError
from tfgen.models import GAN, build_model, load_model
from tfgen.models.cgan import ConditionalGAN
from tfgen.models.gan.options import compiled_adversarial
from tfgen.models.sngan import build_resnet_discriminator, build_sngan
from tfgen.networks.conditional_batch_norm import ConditionalBatchNormalization
from tfgen.networks.spectral import spectral

TINY = dict(latent_dim=8, g_width=16, d_width=16)


def digits_batches(n_batches, batch=32, labels=False):
    """The first batches of the 8x8 UCI digits in [-1, 1], in a fixed order."""
    ds = load_dataset(
        "digits", batch_size=batch, drop_remainder=True, pixel_range=(-1, 1), labels=labels
    )
    return list(ds.take(n_batches))


def fixed(batches):
    return tf.data.Dataset.from_tensor_slices(
        tuple(tf.stack(part) for part in zip(*batches))
        if isinstance(batches[0], tuple)
        else tf.stack(batches)
    )


def largest_singular_values(model):
    """{kernel path: sigma} of every kernel D holds, reshaped (-1, out) as the paper does."""
    return {
        v.path: float(np.linalg.svd(v.numpy().reshape(-1, v.shape[-1]), compute_uv=False)[0])
        for v in model.trainable_variables
        if v.path.endswith("kernel")
    }


def test_defaults_follow_the_papers():
    gan = build_sngan((8, 8, 1))
    assert (gan.adversarial_loss, gan.d_steps, gan.latent_dim) == ("hinge", 1, 128)
    for optimizer, rate in ((gan.d_optimizer, 4e-4), (gan.g_optimizer, 1e-4)):  # TTUR
        assert float(optimizer.learning_rate) == pytest.approx(rate)
        assert (optimizer.beta_1, optimizer.beta_2) == (0.0, 0.9)
    blocks = [x for x in gan.generator.layers if isinstance(x, keras.layers.Conv2D)]
    assert blocks[0].filters == 32  # below 32x32: the CPU-sized width
    assert build_sngan((32, 32, 3), latent_dim=4).discriminator.get_layer("sn_logits")


@pytest.mark.slow
def test_spectral_norm_holds_every_d_kernel_at_one_and_without_it_they_drift():
    """20 steps on real digits: every normalized kernel's largest singular value stays within
    0.05 of 1 (measured: 0.00-0.02 off); the same D without normalization ends 0.3-2.6 off."""
    data = fixed(digits_batches(4)).repeat(5)
    keras.utils.set_random_seed(0)
    sngan = build_sngan((8, 8, 1), **TINY)
    sngan.fit(data, epochs=1, verbose=0)
    sigmas = largest_singular_values(sngan.discriminator)
    assert len(sigmas) == 3 + 2 + 1  # the optimized block, the last block, the logit
    for path, sigma in sigmas.items():
        assert abs(sigma - 1.0) < 0.05, (path, sigma)

    keras.utils.set_random_seed(0)
    plain_d = build_resnet_discriminator((8, 8, 1), width=16, spectral_norm=False)
    plain = compiled_adversarial(
        GAN, build_sngan((8, 8, 1), **TINY).generator, plain_d, sngan.options
    )
    plain.fit(data, epochs=1, verbose=0)
    drift = [abs(s - 1.0) for s in largest_singular_values(plain.discriminator).values()]
    assert max(drift) > 0.25, drift


def test_spectral_helper_normalizes_the_kernel_it_wraps():
    dense = keras.layers.Dense(4, kernel_initializer=keras.initializers.RandomNormal(0, 3, seed=1))
    assert spectral(dense, enabled=False) is dense
    wrapper = spectral(dense)
    x = np.ones((2, 6), "float32")
    wrapper(x)  # builds: sigma of a N(0, 9) 6x4 kernel is far above 1
    assert np.linalg.svd(dense.kernel.numpy(), compute_uv=False)[0] > 3
    for _ in range(30):  # one power iteration per training call
        wrapper(x, training=True)
    assert np.linalg.svd(dense.kernel.numpy(), compute_uv=False)[0] == pytest.approx(1, abs=1e-3)


@pytest.mark.parametrize(
    "name, settings",
    [
        ("sngan", dict(attention=4)),
        ("conditional_sngan", dict(attention=4)),
        *(
            pytest.param(name, settings, marks=pytest.mark.slow)
            for name, settings in (
                ("sngan", dict(attention=4, g_spectral_norm=True)),
                ("cgan", dict(g_conditioning="cbn", attention=4, latent_dim=8, g_widths=[16, 8])),
                ("dcgan", dict(attention=4, latent_dim=8, g_widths=[16, 8], d_widths=[8, 16])),
                ("wgan_gp", dict(attention=4, latent_dim=8, g_widths=[16, 8], d_widths=[8, 16])),
            )
        ),
    ],
)
@pytest.mark.slow  # trains and saves a model: tens of seconds on 2 shared cores
def test_attention_models_train_save_and_load_to_the_same_samples(name, settings, tmp_path):
    keras.utils.set_random_seed(0)
    conditional = name in ("cgan", "conditional_sngan")
    extra = {} if name in ("cgan", "dcgan", "wgan_gp") else TINY
    model = build_model(
        name, (8, 8, 1), num_classes=10 if conditional else None, **extra, **settings
    )
    logs = model.fit(fixed(digits_batches(2, labels=conditional)), epochs=1, verbose=0).history
    assert all(np.isfinite(v[-1]) for v in logs.values()), logs
    images = model.sample(16, seed=3)  # the XLA-compiled sampler
    assert images.shape == (16, 8, 8, 1) and images.min() >= 0.0 and images.max() <= 1.0
    model.save(tmp_path / "model.keras")
    loaded = load_model(tmp_path / "model.keras")
    np.testing.assert_allclose(loaded.sample(16, seed=3), images, atol=1e-6)
    labelled = (np.arange(16) % 10,) if conditional else ()  # (without: a pass per class)
    np.testing.assert_allclose(
        loaded.discriminator_scores(images, *labelled),
        model.discriminator_scores(images, *labelled),
        atol=1e-5,
    )


@pytest.mark.slow  # trains and saves a model: tens of seconds on 2 shared cores
def test_sngan_with_attention_resumes_exactly(tmp_path):
    """4 steps straight, against 2 steps, save, load, 2 more: the same weights (spectral norm's
    power-iteration vectors, both optimizers and the noise's step counter are saved)."""
    batches = digits_batches(4)
    keras.utils.set_random_seed(0)
    straight = build_sngan((8, 8, 1), attention=4, **TINY)
    keras.utils.set_random_seed(0)
    interrupted = build_sngan((8, 8, 1), attention=4, **TINY)
    straight.fit(fixed(batches), epochs=1, verbose=0)
    interrupted.fit(fixed(batches[:2]), epochs=1, verbose=0)
    interrupted.save(tmp_path / "half.keras")
    resumed = load_model(tmp_path / "half.keras")
    resumed.fit(fixed(batches[2:]), epochs=1, verbose=0)
    assert int(resumed.g_optimizer.iterations) == 4
    for a, b in zip(straight.weights, resumed.weights, strict=True):
        np.testing.assert_allclose(a.numpy(), b.numpy(), atol=1e-6, err_msg=a.path)


@pytest.mark.slow  # 6-11 s in the fast tier under xdist
def test_conditional_sngan_follows_its_labels():
    keras.utils.set_random_seed(0)
    gan = build_model("conditional_sngan", (8, 8, 1), num_classes=10, **TINY)
    assert isinstance(gan, ConditionalGAN) and gan.num_classes == 10
    assert gan.discriminator.get_layer("sn_label_projection")
    gan.fit(fixed(digits_batches(2, labels=True)), epochs=1, verbose=0)
    z = gan.sample_latents(4, seed=0)
    assert np.abs(gan.generate(z, 0) - gan.generate(z, 1)).max() > 1e-4


@pytest.mark.slow  # 6-11 s in the fast tier under xdist
def test_cgan_conditional_batch_norm_replaces_the_concatenated_label():
    keras.utils.set_random_seed(0)
    cbn = build_model("cgan", (8, 8, 1), num_classes=10, g_conditioning="cbn")
    norms = [x for x in cbn.generator.layers if isinstance(x, ConditionalBatchNormalization)]
    assert len(norms) == 3 and not any(
        isinstance(x, keras.layers.BatchNormalization) for x in cbn.generator.layers
    )
    assert "label_embedding" not in [x.name for x in cbn.generator.layers]
    (dense,) = [x for x in cbn.generator.layers if isinstance(x, keras.layers.Dense)]
    assert dense.input.shape == (None, 100)  # z alone
    cbn.fit(fixed(digits_batches(2, labels=True)), epochs=1, verbose=0)
    z = cbn.sample_latents(4, seed=0)
    assert np.abs(cbn.generate(z, 0) - cbn.generate(z, 1)).max() > 1e-4
    concat = build_model("cgan", (8, 8, 1), num_classes=10, g_conditioning="concat")
    assert concat.generator.get_layer("label_embedding").output.shape == (None, 50)
    assert build_model("cgan", (8, 8, 1), num_classes=10).options.g_conditioning == "cbn"


def test_models_saved_before_these_settings_still_load():
    for name in ("cgan", "dcgan"):  # a cgan of then: its label concatenated to z
        old = {"num_classes": 10, "g_conditioning": "concat"} if name == "cgan" else {}
        model = build_model(name, (8, 8, 1), **old)
        config = model.get_config()
        for new in ("attention", "g_conditioning"):
            config["options"].pop(new, None)
        clone = type(model).from_config(config)
        assert clone.options.attention == 0
        assert name != "cgan" or clone.options.g_conditioning == "concat"


def test_bad_attention_resolution_names_the_setting():
    with pytest.raises(InputError, match=r"attention=14: the generator .*\[4, 8\]"):
        build_model("sngan", (8, 8, 1), attention=14)
    with pytest.raises(InputError, match=r"attention=8: the discriminator .*\[4\]"):
        build_model("sngan", (8, 8, 1), attention=8)
    with pytest.raises(InputError, match=r"attention=28: the generator .*\[7, 14\]"):
        build_model("dcgan", (28, 28, 1), attention=28)
    with pytest.raises(InputError, match="attention must be an integer >= 0"):
        build_model("sngan", (8, 8, 1), attention=-1)
    with pytest.raises(InputError, match="g_conditioning must be one of"):
        build_model("cgan", (8, 8, 1), num_classes=10, g_conditioning="film")


MIRRORED_SNGAN = """
import json
import numpy as np
import tensorflow as tf

cpu = tf.config.list_physical_devices("CPU")[0]
tf.config.set_logical_device_configuration(cpu, [tf.config.LogicalDeviceConfiguration()] * 2)
from sklearn.datasets import load_digits
from tfgen.models import build_model

x = load_digits().images[:256].astype("float32")[..., None] / 16 * 2 - 1
with tf.distribute.MirroredStrategy(["/cpu:0", "/cpu:1"]).scope():
    gan = build_model("sngan", (8, 8, 1), latent_dim=8, g_width=8, d_width=8)
history = gan.fit(tf.data.Dataset.from_tensor_slices(x).batch(32), epochs=2, verbose=0).history
sigmas, agree = [], True
for layer in gan.discriminator.layers:
    if hasattr(layer, "vector_u"):  # a SpectralNormalization wrapper
        copies = [v.numpy() for v in layer.kernel.value.values]
        agree = agree and all(np.array_equal(copies[0], c) for c in copies)
        sigmas.append(float(np.linalg.svd(copies[0].reshape(-1, copies[0].shape[-1]))[1][0]))
print(json.dumps(dict(sigmas=sigmas, agree=agree, d_loss=history["d_loss"])))
"""


@pytest.mark.slow  # a fresh process with 2 replicas, ~60 s
def test_spectral_norm_under_mirrored_strategy_keeps_replicas_alike_and_sigma_near_one():
    """Keras's wrapper assigns the normalized kernel inside the replica step: under two
    replicas every wrapped kernel stays the same on both and its largest singular value ~1."""
    out = json.loads(run_python(MIRRORED_SNGAN).strip().splitlines()[-1])
    assert out["agree"] and len(out["sigmas"]) >= 5
    assert all(abs(s - 1.0) < 0.05 for s in out["sigmas"]), out["sigmas"]
    assert all(np.isfinite(out["d_loss"]))
