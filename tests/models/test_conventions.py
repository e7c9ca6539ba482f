"""Keras's conventions on tfgen models, case by case (the contract test runs the common part
over every model): the pixel-range check inside and outside the step, compile's arguments,
too few batches, and `model.export(path)`."""

import dataclasses
import json
import re

import keras
import numpy as np
import pytest
import tensorflow as tf

from tests.conftest import run_python
from tfgen import cli
from tfgen.data.pipeline import FewStepsWarning
from tfgen.errors import InputError
from tfgen.models import MODELS, build_model
from tfgen.models.archive import build_archive
from tfgen.models.conventions import PIXEL_TOLERANCE, pixel_check

SHAPE = (8, 8, 1)
TINY_AE = dict(architecture="dense", widths=[8], code_size=4)
TINY = {
    "ae": TINY_AE,
    "vae": dict(architecture="dense", widths=[8], latent_dim=2),
    "gan": dict(g_widths=[16], d_widths=[16], latent_dim=4),
}


def tiny(name, **settings):
    keras.utils.set_random_seed(0)
    return build_model(name, SHAPE, **{**TINY[name], **settings})


def images(value, n=8):
    return np.full((n, *SHAPE), value, np.float32)


def test_the_check_allows_float_noise_and_refuses_past_the_tolerance():
    model = tiny("ae")
    model.train_on_batch(images(1.0 + PIXEL_TOLERANCE / 2))  # float noise past 1: accepted
    model.train_on_batch(images(-PIXEL_TOLERANCE / 2))
    with pytest.raises(InputError, match=r"Received: min=1\.002, max=1\.002$"):
        model.train_on_batch(images(1.0 + 2 * PIXEL_TOLERANCE))


@pytest.mark.slow  # two fits, ~14 s on 2 shared cores
def test_a_gan_fed_8_bit_pixels_stops_before_any_update_and_says_how_to_rescale():
    gan = tiny("gan")
    before = [w.copy() for w in gan.get_weights()]
    pixels = np.random.default_rng(0).integers(0, 256, (64, *SHAPE)).astype(np.float32)
    pixels[0, 0, 0, 0], pixels[1, 0, 0, 0] = 0.0, 255.0
    with pytest.raises(InputError) as error:
        gan.fit(pixels, batch_size=32, verbose=0)
    assert str(error.value) == (
        "GAN expects pixels in [-1, 1] (pixel_range), but a batch it was fed holds values in "
        "[0, 255]. Load the data with tfgen.data.load_dataset(..., pixel_range="
        "model.pixel_range) (as tfgen train does), or rescale it with "
        "keras.layers.Rescaling(scale, offset): Rescaling(2/255, offset=-1) maps [0, 255] to "
        "[-1, 1]. Received: min=0, max=255"
    )
    assert error.value.__cause__ is None and error.value.__suppress_context__  # one clean error
    for b, a in zip(before, gan.get_weights()):  # not even G's update ran
        np.testing.assert_array_equal(b, a)
    # the suggested layer does map the data into range: the same fit then trains
    rescaled = keras.layers.Rescaling(2 / 255, offset=-1)(pixels).numpy()
    assert rescaled.min() == -1.0 and abs(rescaled.max() - 1.0) < 1e-6
    gan.fit(rescaled, batch_size=32, verbose=0)


@pytest.mark.slow  # XLA compiles the GAN's step twice, 10-50 s on 2 shared cores
def test_xla_compiles_the_steps_assert_away_so_the_data_is_checked_before_the_step():
    # the premise: under XLA a failed assert raises nothing
    @tf.function(jit_compile=True)
    def compiled(x):
        with tf.control_dependencies([pixel_check(x, (0.0, 1.0))]):
            return tf.identity(x)

    assert float(compiled(tf.constant([5.0]))[0]) == 5.0
    gan = tiny("gan")
    gan.jit_compile = True
    ds = tf.data.Dataset.from_tensor_slices(images(3.0, 64)).batch(32)
    for data in (ds, images(3.0, 64)):
        with pytest.raises(InputError, match=r"\[-1, 1\].*Received: min=3, max=3"):
            gan.fit(data, batch_size=32, verbose=0)
    gan.fit(ds.map(lambda x: x / 3.0), verbose=0)  # in range, XLA-compiled: trains
    assert int(gan.g_optimizer.iterations) == 2


def test_data_fed_from_a_python_generator_is_checked_in_the_step():
    model = tiny("vae")

    def batches():
        while True:
            yield (images(-1.0),)

    with pytest.raises(InputError, match=r"VAE expects pixels in \[0, 1\].*min=-1, max=-1"):
        model.fit(batches(), steps_per_epoch=2, verbose=0)


MIRRORED = """
import tensorflow as tf

cpu = tf.config.list_physical_devices("CPU")[0]
tf.config.set_logical_device_configuration(cpu, [tf.config.LogicalDeviceConfiguration()] * 2)
import numpy as np
from tfgen.errors import InputError
from tfgen.models import build_model

strategy = tf.distribute.MirroredStrategy(["/cpu:0", "/cpu:1"])
with strategy.scope():
    gan = build_model("dcgan", (8, 8, 1), g_widths=[16, 8], d_widths=[8], latent_dim=4)
ds = tf.data.Dataset.from_tensor_slices(np.full((64, 8, 8, 1), 255.0, np.float32)).batch(32)
try:
    gan.fit(ds, verbose=0)
except InputError as e:
    print("InputError:", e)
"""


@pytest.mark.slow  # a fresh process with 2 replicas, ~30 s
def test_the_check_runs_in_each_replica_under_mirrored_strategy():
    out = run_python(MIRRORED).strip().splitlines()[-1]
    assert out.startswith("InputError: GAN expects pixels in [-1, 1]"), out
    assert out.endswith("Received: min=255, max=255"), out


def test_tfgen_train_reports_a_range_error_from_the_graph_in_one_line(
    monkeypatch, tmp_path, capsys
):
    """tfgen train scales data to the model's range, so only a wrong catalogue entry could
    feed it another: pretend the ae's is (-1, 1) and the step's check must answer."""
    monkeypatch.setitem(MODELS, "ae", dataclasses.replace(MODELS["ae"], pixel_range=(-1, 1)))
    argv = ["train", "ae", "--data", "digits", "--epochs", "1", "--batch-size", "64"]
    argv += ["--set", "architecture=dense", "--set", "widths=8", "--workdir", str(tmp_path)]
    with pytest.raises(SystemExit) as exit_:
        cli.main(argv)
    err = capsys.readouterr().err
    assert exit_.value.code == 2 and err.count("\n") == 1 and "Traceback" not in err, err
    assert re.match(
        r"tfgen train: error: Autoencoder expects pixels in \[0, 1\] .* "
        r"Rescaling\(0\.5, offset=0\.5\) maps \[-1, 1\] to \[0, 1\]\. Received: min=-1, max=1$",
        err,
    ), err


@pytest.mark.slow  # three traced fits, ~28 s
def test_a_gan_refuses_optimizer_naming_its_settings_and_keeps_both_on_a_recompile():
    gan = tiny("gan")
    with pytest.raises(InputError, match=r"d_optimizer= and g_optimizer=.*--set d_learning_rate"):
        gan.compile(optimizer="adam")
    data = tf.data.Dataset.from_tensor_slices(images(0.0, 128)).batch(32)  # 4 steps
    gan.fit(data.take(1), verbose=0)
    d, g = gan.d_optimizer, gan.g_optimizer
    gan.compile(steps_per_execution=2, run_eagerly=False)  # honoured, optimizers kept
    assert (gan.d_optimizer, gan.g_optimizer) == (d, g) and gan.steps_per_execution == 2
    gan.fit(data, verbose=0)
    assert int(g.iterations) == 1 + 4 and int(d.iterations) == 1 + 4  # state went on


def test_a_single_optimizer_model_keeps_its_adam_unless_given_another():
    model = tiny("ae", learning_rate=3e-3)
    adam = model.optimizer
    model.compile(jit_compile=False)
    assert model.optimizer is adam and float(adam.learning_rate) == pytest.approx(3e-3)
    model.compile(optimizer=keras.optimizers.SGD(0.1))  # given: honoured
    assert isinstance(model.optimizer, keras.optimizers.SGD)


def test_fit_refuses_data_of_no_full_batch_and_warns_of_few_steps():
    model = tiny("ae")
    empty = tf.data.Dataset.from_tensor_slices(images(0.5, 10)).batch(64, drop_remainder=True)
    with pytest.raises(InputError, match=r"no full batch of 64 .* Received: batch_size=64"):
        model.fit(empty, verbose=0)
    with pytest.warns(FewStepsWarning) as caught:
        model.fit(images(0.5, 200), batch_size=64, verbose=0)  # ceil(200 / 64) = 4 steps
    assert str(caught[0].message).startswith(
        "Autoencoder.fit trains only 4 step(s) per epoch (200 training example(s) in batches of 64)"
    )
    assert "at most 10: tfgen train --batch-size 10" in str(caught[0].message)  # 200 / 20


@pytest.mark.slow  # a whole tfgen train run, ~13 s
def test_tfgen_train_warns_of_few_steps_per_epoch_with_the_fix(tmp_path, capsys):
    argv = ["train", "ae", "--data", "digits", "--epochs", "1", "--batch-size", "256"]
    argv += ["--set", "architecture=dense", "--set", "widths=8", "--workdir", str(tmp_path)]
    with pytest.warns(FewStepsWarning, match=r"only 7 step\(s\) per epoch"):
        assert cli.main(argv) == 0  # 1,618 training digits (0.9 of 1,797) / 256 -> 7 steps


@pytest.mark.slow  # two exports, ~15 s
def test_model_export_writes_the_signatures_build_archive_describes(tmp_path):
    for name in ("gan", "ae"):
        model = tiny(name)
        model.export(tmp_path / name)
        _, described = build_archive(model)
        loaded = tf.saved_model.load(str(tmp_path / name))
        assert sorted(loaded.signatures) == sorted([*described, "serving_default"])
        for signature, spec in described.items():
            fn = loaded.signatures[signature]
            assert sorted(fn.structured_input_signature[1]) == sorted(spec["inputs"])
            assert sorted(fn.structured_outputs) == sorted(spec["outputs"])
    first = json.dumps(sorted(tf.saved_model.load(str(tmp_path / "gan")).signatures))
    assert first == json.dumps(["generate", "sample", "serving_default"])
    with pytest.raises(InputError, match=r"max_batch must be a positive integer"):
        tiny("gan").export(tmp_path / "bad", max_batch=0)
