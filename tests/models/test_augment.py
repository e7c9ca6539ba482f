"""Differentiable augmentation (DiffAugment, ADA) and lazy R1 in the GAN trainer."""

import json

import keras
import numpy as np
import pytest
import tensorflow as tf
from sklearn.datasets import load_digits

from tests.conftest import run_python
from tfgen.config import resolve_settings
from tfgen.errors import InputError
from tfgen.models import GAN, build_model, load_model
from tfgen.ops.augment import POLICIES, augment, shift_images

TINY = dict(g_widths=[32, 16, 8], d_widths=[8, 16], latent_dim=8)
ALL = "color,translation,cutout"
SEED = tf.constant([3, 14], tf.int64)


def images(batch=8, size=8, channels=3, seed=0):
    return tf.random.stateless_uniform([batch, size, size, channels], [seed, 1], -1.0, 1.0)


def digits(n=64):
    """n UCI digits (8x8) in [-1, 1]."""
    return load_digits().images[:n].astype("float32")[..., None] / 16.0 * 2.0 - 1.0


def tiny_gan(**settings):
    return build_model("dcgan", (8, 8, 1), **TINY, **settings)


# ---- tfgen.ops.augment ------------------------------------------------------------------------


def test_p_zero_is_exactly_the_identity():
    x = images()
    assert np.array_equal(augment(x, ALL, 0.0, SEED).numpy(), x.numpy())
    assert augment(x, "", 1.0, SEED) is x  # no policy: not even a copy


@pytest.mark.parametrize("policy", sorted(POLICIES))
@pytest.mark.parametrize("dtype", ["float32", "float16"])
def test_p_one_changes_every_image_and_keeps_shape_and_dtype(policy, dtype):
    x = tf.cast(images(batch=16), dtype)
    y = augment(x, (policy,), 1.0, SEED)
    assert y.shape == x.shape and y.dtype == x.dtype
    changed = tf.reduce_any(tf.not_equal(x, y), axis=[1, 2, 3]).numpy()
    # a translation draws (0, 0) with probability 1/9 per image (8x8: shifts in [-1, 1])
    assert changed.all() if policy != "translation" else changed.mean() > 0.5


def test_p_is_a_per_image_probability():
    x = images(batch=512, channels=1)
    y = augment(x, "cutout", 0.25, SEED)
    changed = tf.reduce_any(tf.not_equal(x, y), axis=[1, 2, 3]).numpy()
    assert abs(changed.mean() - 0.25) < 0.06  # 4 sigma of a binomial(512, 0.25) fraction


def test_shift_images_by_hand():
    x = np.arange(1, 10, dtype=np.float32).reshape(1, 3, 3, 1)
    # down by 1, left by 1: out[i, j] = x[i - 1, j + 1], zero where that is outside
    expected = np.array([[0, 0, 0], [2, 3, 0], [5, 6, 0]], np.float32)
    np.testing.assert_array_equal(shift_images(x, [1], [-1])[0, ..., 0], expected)
    np.testing.assert_array_equal(shift_images(x, [0], [0]), x)
    np.testing.assert_array_equal(shift_images(x, [3], [0]), np.zeros_like(x))  # all off


def test_translation_moves_a_lit_pixel_by_an_integer_shift_up_to_an_eighth():
    x = np.zeros([64, 8, 8, 1], np.float32)
    x[:, 3, 4, 0] = 1.0
    y = augment(x, "translation", 1.0, SEED).numpy()
    assert (y.reshape(64, -1).sum(axis=1) == 1.0).all()  # moved whole, the rest zero-filled
    assert set(np.unique(y)) == {0.0, 1.0}
    rows, cols = np.nonzero(y[..., 0])[1:]
    shifts = set(zip((rows - 3).tolist(), (cols - 4).tolist()))
    assert shifts == {(i, j) for i in (-1, 0, 1) for j in (-1, 0, 1)}  # 8 / 8 = 1 pixel


def test_cutout_zeroes_a_square_of_half_the_size():
    x = tf.fill([32, 8, 8, 3], 0.7)
    y = augment(x, "cutout", 1.0, SEED).numpy()
    zeroed = y[..., 0] == 0.0  # (B, H, W); every channel alike
    assert (y[~zeroed] == np.float32(0.7)).all() and (y[zeroed] == 0.0).all()
    for mask in zeroed:
        rows, cols = np.nonzero(mask)
        assert mask.sum() == 16  # (8 / 2)^2, wholly inside the image
        assert rows.max() - rows.min() == 3 and cols.max() - cols.min() == 3
    tops = {int(np.nonzero(mask)[0].min()) for mask in zeroed}
    assert len(tops) > 2 and tops <= set(range(5))  # random positions, 0..8-4


def _draw(seed, index, low, high, batch):
    """The per-image magnitude `augment` draws for its index-th transform (see the module):
    Philox integers in [0, 2^24) scaled to [low, high)."""
    key = tf.random.experimental.stateless_fold_in(seed, index, alg="philox")
    _, op_seed = tf.unstack(tf.random.experimental.stateless_split(key, 2, alg="philox"))
    steps = tf.random.stateless_uniform([batch, 1, 1, 1], op_seed, 0, 2**24, tf.int32, alg="philox")
    return low + (high - low) * steps.numpy() / 2**24


def test_color_recomputed_from_the_same_draws():
    x = images(batch=16, channels=3).numpy()
    b = _draw(SEED, 0, -0.5, 0.5, 16)  # brightness, saturation, contrast: indices 0, 1, 2
    s = _draw(SEED, 1, 0.0, 2.0, 16)
    c = _draw(SEED, 2, 0.5, 1.5, 16)
    expected = x + b
    pixel_mean = expected.mean(axis=3, keepdims=True)
    expected = (expected - pixel_mean) * s + pixel_mean
    image_mean = expected.mean(axis=(1, 2, 3), keepdims=True)
    expected = (expected - image_mean) * c + image_mean
    np.testing.assert_allclose(augment(x, "color", 1.0, SEED), expected, atol=1e-5)
    assert b.std() > 0.1  # a constant per image, not per batch


def test_color_on_a_constant_grey_image_is_a_per_image_brightness():
    x = tf.fill([16, 8, 8, 1], 0.25)  # saturation is a no-op on 1 channel, contrast on a constant
    shift = (augment(x, "color", 1.0, SEED) - x).numpy()
    np.testing.assert_allclose(shift, np.broadcast_to(shift[:, :1, :1, :1], shift.shape), atol=1e-6)
    np.testing.assert_allclose(
        shift[:, 0, 0, 0], _draw(SEED, 0, -0.5, 0.5, 16)[:, 0, 0, 0], atol=1e-6
    )


def test_same_seed_same_images_other_seed_other_images():
    x = images()
    a, b = augment(x, ALL, 1.0, SEED), augment(x, ALL, 1.0, SEED)
    assert np.array_equal(a.numpy(), b.numpy())
    assert not np.array_equal(a.numpy(), augment(x, ALL, 1.0, SEED + 1).numpy())


def test_generator_gradients_pass_through_the_augmentation():
    gan = tiny_gan()
    z = tf.random.stateless_normal([16, 8], [0, 0])
    with tf.GradientTape() as tape:
        augmented = augment(gan.generator(z, training=True), ALL, 1.0, SEED)
        total = tf.reduce_sum(gan.discriminator(augmented, training=True))
    gradients = tape.gradient(total, gan.generator.trainable_variables)
    assert all(g is not None for g in gradients)
    norm = float(tf.linalg.global_norm(gradients))
    assert np.isfinite(norm) and norm > 0


@pytest.mark.slow  # XLA compiles for ~20 s on 2 shared cores
def test_graph_and_xla_match_eager():
    x = images()
    compiled = tf.function(lambda x, p: augment(x, ALL, p, SEED), jit_compile=True)
    np.testing.assert_allclose(compiled(x, 1.0), augment(x, ALL, 1.0, SEED), atol=1e-6)
    assert np.array_equal(compiled(x, 0.0).numpy(), x.numpy())


def test_unknown_policies_are_refused_with_the_choices():
    with pytest.raises(InputError, match=r"augment.*\['color', 'translation', 'cutout'\]"):
        augment(images(), ("colour",), 1.0, SEED)
    with pytest.raises(InputError, match="each once"):
        augment(images(), "color,color", 1.0, SEED)


# ---- the settings ------------------------------------------------------------------------------


def test_augment_settings_validate_and_read_back():
    settings = resolve_settings("dcgan", {"augment": ["color", "cutout"]})  # --set a=x,y
    assert settings["augment"] == "color,cutout" and settings["augment_p"] == 1.0
    assert resolve_settings("dcgan", {"augment": " color , translation"})["augment"] == (
        "color,translation"
    )
    assert resolve_settings("gan", {})["augment"] == ""
    with pytest.raises(InputError, match=r"augment must be comma-separated names among \["):
        resolve_settings("dcgan", {"augment": "color,flip"})
    with pytest.raises(InputError, match="ada_target adapts .* augment names none"):
        resolve_settings("dcgan", {"ada_target": 0.6})
    with pytest.raises(InputError, match="ada_target reads the sign .* loss='wasserstein'"):
        resolve_settings("wgan_gp", {"augment": "color", "ada_target": 0.6})
    with pytest.raises(InputError, match="augment_p is the fixed .* ADA adapts p itself"):
        resolve_settings("dcgan", {"augment": "color", "ada_target": 0.6, "augment_p": 0.5})
    with pytest.raises(InputError, match="Received: r1_interval=4"):
        resolve_settings("dcgan", {"r1_interval": 4})
    with pytest.raises(InputError, match="ada_kimg must be a number > 0"):
        resolve_settings("dcgan", {"augment": "color", "ada_target": 0.6, "ada_kimg": 0})


# ---- the GAN trainer ---------------------------------------------------------------------------


@pytest.mark.slow  # trains and saves a model: tens of seconds on 2 shared cores
def test_a_dcgan_trains_on_augmented_images_with_a_fixed_p():
    gan = tiny_gan(augment=ALL, augment_p=0.5)
    history = gan.fit(digits(64), batch_size=16, epochs=1, verbose=0).history
    assert all(np.isfinite(v[0]) for v in history.values())
    assert history["augment_p"] == [0.5] and gan.augment_p == 0.5  # no ADA: the fixed p
    assert -1 <= history["d_real_sign"][0] <= 1


def test_the_penalty_sees_augmented_images():
    gan = tiny_gan(augment="translation", r1_gamma=1.0)
    real = tf.constant(digits(16))
    plain = tiny_gan(r1_gamma=1.0)
    plain.discriminator.set_weights(gan.discriminator.get_weights())
    with_augment = gan._penalty(real, real, None, SEED, 0, 0)
    without = plain._penalty(real, real, None, SEED, 0, 0)
    assert not np.allclose(with_augment, without)  # the gradient of D(T(x)), not of D(x)


@pytest.mark.slow  # trains and saves a model: tens of seconds on 2 shared cores
def test_ada_moves_p_by_the_papers_step_at_the_end_of_each_interval():
    gan = tiny_gan(augment=ALL, ada_target=0.6, ada_interval=4, ada_kimg=1.0)
    assert gan.augment_p.trainable is False and float(gan.augment_p) == 0.0
    gan.augment_p.assign(0.5)
    x = digits(16)
    for _ in range(3):
        gan.train_step(x)
    assert float(gan.augment_p) == 0.5 and float(gan.ada_count) == 48.0  # not due yet
    logs = gan.train_step(x)
    r_t = float(logs["d_real_sign"])  # the tracker's mean over these 4 steps is r_t
    step = np.sign(r_t - 0.6) * (16 * 4) / 1000.0  # 64 images of the 1,000 to move by 1
    assert float(gan.augment_p) == pytest.approx(0.5 + step, abs=1e-6)
    assert float(logs["augment_p"]) == float(gan.augment_p)  # the current p, not a mean
    assert float(gan.ada_sign_sum) == 0.0 and float(gan.ada_count) == 0.0  # a new interval


@pytest.mark.slow  # 48 steps: ~50 s on 2 shared cores
def test_ada_raises_p_when_d_overfits_a_small_set():
    gan = tiny_gan(augment=ALL, ada_target=0.6, ada_kimg=0.5, d_learning_rate=2e-3)
    real = np.tile(digits(64), (4, 1, 1, 1))  # 64 images, 16 steps per epoch
    history = gan.fit(real, batch_size=16, epochs=3, verbose=0, shuffle=False).history
    assert history["augment_p"][0] > 0  # D memorises the 64 images within the first epoch
    assert max(history["d_real_sign"]) > 0.6
    assert float(gan.augment_p) == history["augment_p"][-1] > 0


@pytest.mark.slow  # trains and saves a model: tens of seconds on 2 shared cores
def test_p_is_saved_and_training_resumes_from_it(tmp_path):
    gan = tiny_gan(augment=ALL, ada_target=0.6, ada_interval=4, ada_kimg=1.0)
    gan.augment_p.assign(0.375)
    gan.save(tmp_path / "ada.keras")
    loaded = load_model(tmp_path / "ada.keras")
    assert float(loaded.augment_p) == 0.375 and float(loaded.ada_count) == 0.0
    history = loaded.fit(digits(64), batch_size=16, epochs=1, verbose=0).history
    step = np.sign(history["d_real_sign"][0] - 0.6) * 64 / 1000.0  # one interval: 4 steps
    assert float(loaded.augment_p) == pytest.approx(0.375 + step, abs=1e-6)


def test_files_without_ada_keep_their_weights_and_configs_without_the_settings_load(tmp_path):
    gan = tiny_gan(augment="color")  # no ADA: no variable of its own, as before
    assert len(gan.weights) == len(gan.generator.weights) + len(gan.discriminator.weights)
    config = gan.get_config()
    for name in ("augment", "augment_p", "ada_target", "ada_interval", "ada_kimg", "r1_interval"):
        del config["options"][name]  # a file saved before these settings
    clone = GAN.from_config(config)
    assert (clone.augment_policy, clone.r1_interval, clone.ada_target) == ((), 1, 0.0)


def _linear_gan(**settings):
    """G: z -> tanh(Dense(z)) images; D(x) = w . x + b, so grad_x D = w everywhere."""
    z = keras.Input((2,))
    images = keras.layers.Reshape((2, 2, 1))(keras.layers.Dense(4, activation="tanh")(z))
    x = keras.Input((2, 2, 1))
    score = keras.layers.Dense(1)(keras.layers.Flatten()(x))
    gan = GAN(keras.Model(z, images), keras.Model(x, score), **settings)
    gan.compile(d_optimizer=keras.optimizers.SGD(0.0))  # D fixed: the same w every step
    return gan


@pytest.mark.parametrize("interval", [1, 3])
def test_lazy_r1_every_n_steps_weighted_by_n(interval):
    gan = _linear_gan(r1_gamma=2.0, r1_interval=interval)
    w = gan.discriminator.layers[-1].kernel.numpy()
    r1 = 0.5 * 2.0 * interval * (np.sum(w**2) + 1e-12)  # 0.5 gamma N ||grad D||^2
    real = np.zeros([4, 2, 2, 1], np.float32)
    history = gan.fit(real, batch_size=4, epochs=7, verbose=0).history  # 1 step per epoch
    expected = [r1 if step % interval == 0 else 0.0 for step in range(7)]
    np.testing.assert_allclose(history["d_penalty"], expected, rtol=1e-5)


MIRRORED_ADA = """
import json
import numpy as np
import tensorflow as tf

cpu = tf.config.list_physical_devices("CPU")[0]
tf.config.set_logical_device_configuration(cpu, [tf.config.LogicalDeviceConfiguration()] * 2)
from sklearn.datasets import load_digits
from tfgen.models import build_model

x = load_digits().images[:256].astype("float32")[..., None] / 16 * 2 - 1
strategy = tf.distribute.MirroredStrategy(["/cpu:0", "/cpu:1"])
with strategy.scope():
    gan = build_model(
        "dcgan", (8, 8, 1), g_widths=[32, 16, 8], d_widths=[8, 16], latent_dim=8,
        augment="color,translation,cutout", ada_target=0.6, ada_interval=3, ada_kimg=0.5,
        r1_gamma=1.0, r1_interval=2,
    )
history = gan.fit(tf.data.Dataset.from_tensor_slices(x).batch(32), epochs=1, verbose=0).history
copies = [float(v) for v in gan.augment_p.value.values]
count = float(gan.ada_count.numpy())
print(json.dumps(dict(copies=copies, count=count, logged=history["augment_p"])))
"""


@pytest.mark.slow  # a fresh process with 2 replicas, ~60 s
def test_ada_under_mirrored_strategy_counts_the_global_batch():
    """8 steps of 2 replicas x 16 images: p moves at steps 3 and 6 by 3 x 32 / 500 = 0.192
    (the global batch; one replica's would give multiples of 0.096), every copy alike, and
    steps 7-8 leave 64 images in the running count."""
    out = json.loads(run_python(MIRRORED_ADA).strip().splitlines()[-1])
    p = out["copies"][0]
    assert out["copies"] == [p, p] and out["logged"] == [pytest.approx(p)]
    assert min(abs(p - k * 0.192) for k in range(3)) < 1e-6
    assert out["count"] == 64.0
