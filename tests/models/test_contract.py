"""The model contract, run over every model of the catalogue.

Each model, built from its defaults for 8x8 digits, must: take a training step that changes
its weights and logs finite numbers (and, if it samples, draw images in [0, 1]); round-trip
`get_config`; save and load to the same weights, optimizer state and outputs; export, and
serve every signature from a fresh process that does not import tfgen; and, loaded in a fresh
tfgen process, continue training where it stopped. It keeps Keras's conventions: `fit` and
`evaluate` refuse pixels outside its `pixel_range` with an InputError naming the range and
what they got; `compile` refuses the arguments it would ignore and keeps its optimizers on a
recompile; `model.export(path)` writes the signatures `tfgen export` writes.
"""

import json
import re

import keras
import numpy as np
import pytest

from tests.conftest import run_python
from tfgen.data import load_dataset
from tfgen.errors import InputError
from tfgen.export import export_model
from tfgen.models import MODELS, build_model, get_spec, hparam_defaults, load_model

NAMES = sorted(MODELS)
# the fast tier (`-m "not slow"`) trains one model per trainer: autoencoder, VAE, GAN,
# conditional GAN and classifier; the full suite trains every model of the catalogue
FAST_TIER = {"ae", "cgan", "classifier", "dcgan", "vae"}
TRAINED = [n if n in FAST_TIER else pytest.param(n, marks=pytest.mark.slow) for n in NAMES]
# one model per step the range check wraps (each family's train_step/test_step), with the
# conditional GAN, whose generator update never reads the real images
STEP_FAMILIES = ["ae", "cgan", "classifier", "dcgan", "vae", "vaegan"]
# one model per `serving_endpoints` the families define: the others inherit one of these
# (sparse/denoising AE the AE's, gan/sngan/wgan_gp the DCGAN's, conditional_sngan the cGAN's)
SIGNATURE_SETS = ["ae", "cgan", "classifier", "dcgan", "vae", "vaegan"]
SHAPE = (8, 8, 1)


def build(name):
    keras.utils.set_random_seed(0)
    return build_model(name, SHAPE, num_classes=10 if get_spec(name).needs_labels else None)


def digits(model, batch_size=32):
    return load_dataset(
        "digits", batch_size=batch_size, drop_remainder=True, pixel_range=model.pixel_range
    )


def train_one_step(model):
    before = [w.copy() for w in model.get_weights()]
    logs = model.fit(digits(model).take(1), epochs=1, verbose=0).history
    return before, logs


def state(model):
    """Every variable a checkpoint must restore: the model's and its optimizers' (not the
    state of Keras's dropout seed generators, which Keras does not save)."""
    optimizers = [
        getattr(model, name)
        for name in ("optimizer", "d_optimizer", "g_optimizer")
        if getattr(model, name, None) is not None
    ]
    variables = model.variables + [v for o in optimizers for v in o.variables]
    return [v.numpy() for v in variables if "seed_generator" not in v.path]


def probe_output(model):
    """A deterministic output of the model, for comparing copies of it."""
    images = next(iter(load_dataset("digits", batch_size=4, pixel_range=model.pixel_range)))
    images = keras.utils.unpack_x_y_sample_weight(images)[0]
    if model.can_sample:
        return model.sample(3, seed=7)
    return np.asarray(model(images, training=False))


@pytest.mark.parametrize("name", TRAINED)
def test_one_training_step_changes_the_weights_and_logs_finite_numbers(name):
    model = build(name)
    before, logs = train_one_step(model)
    assert logs and all(np.isfinite(v[-1]) for v in logs.values()), logs
    changed = [not np.array_equal(b, a) for b, a in zip(before, model.get_weights())]
    assert any(changed), f"{name}: no weight changed after a training step"
    if model.can_sample:
        images = model.sample(5, seed=1)
        assert images.shape == (5, *SHAPE) and images.min() >= 0.0 and images.max() <= 1.0


@pytest.mark.parametrize("name", NAMES)
def test_config_round_trips(name):
    model = build(name)
    config = model.get_config()
    copy = type(model).from_config(config)
    assert json.dumps(copy.get_config(), sort_keys=True, default=str) == json.dumps(
        config, sort_keys=True, default=str
    )
    assert [w.shape for w in copy.weights] == [w.shape for w in model.weights]


@pytest.mark.parametrize("name", TRAINED)
def test_saves_and_loads_the_same_weights_and_outputs(name, tmp_path):
    model = build(name)
    train_one_step(model)
    model.save(tmp_path / "model.keras")
    loaded = load_model(tmp_path / "model.keras")
    assert type(loaded) is type(model)
    saved, restored = state(model), state(loaded)
    assert len(saved) == len(restored)
    for before, after in zip(saved, restored):
        np.testing.assert_array_equal(before, after)
    np.testing.assert_allclose(probe_output(loaded), probe_output(model), atol=1e-6)


# What each range's model is fed instead, and what the error must then report (digits hold
# 0 and the full 16/16 levels, so the extremes are exact).
WRONG_RANGE = {
    (0.0, 1.0): ((-1.0, 1.0), "min=-1, max=1"),
    (-1.0, 1.0): ((0, 255), "min=0, max=255"),
}


@pytest.mark.slow  # a fit and an evaluate traced per model, 10-20 s each on 2 shared cores
@pytest.mark.parametrize("name", STEP_FAMILIES)
def test_fit_and_evaluate_refuse_pixels_outside_the_models_range(name):
    model = build(name)
    fed, received = WRONG_RANGE[model.pixel_range]
    data = load_dataset("digits", batch_size=32, drop_remainder=True, pixel_range=fed).take(1)
    before = [w.copy() for w in model.get_weights()]
    low, high = model.pixel_range
    expected = f"expects pixels in [{low:g}, {high:g}]"
    for run in (model.fit, model.evaluate):
        with pytest.raises(InputError, match=re.escape(expected)) as error:
            run(data, verbose=0)
        assert f"Received: {received}" in str(error.value) and "Rescaling(" in str(error.value)
    for b, a in zip(before, model.get_weights()):  # the check gates the step: no update
        np.testing.assert_array_equal(b, a)


@pytest.mark.parametrize("name", NAMES)
def test_compile_refuses_what_the_model_would_ignore_and_keeps_its_optimizers(name):
    model = build(name)
    for argument in ({"loss": "mse"}, {"metrics": ["mae"]}, {"weighted_metrics": ["mae"]}):
        with pytest.raises(InputError, match=f"does not take {next(iter(argument))}") as error:
            model.compile(**argument)
        # the settings it names instead exist, with the spelling --set takes
        named = re.search(r"setting\(s\) ([\w, ]+) \(", str(error.value)).group(1).split(", ")
        assert set(named) <= set(hparam_defaults(name)), named
    optimizers = [getattr(model, n, None) for n in ("optimizer", "d_optimizer", "g_optimizer")]
    model.compile(jit_compile=False, steps_per_execution=2)
    kept = [getattr(model, n, None) for n in ("optimizer", "d_optimizer", "g_optimizer")]
    assert all(a is b for a, b in zip(optimizers, kept)) and any(kept)
    assert model.steps_per_execution == 2 and model.jit_compile is False


@pytest.fixture(scope="module")
def exported(tmp_path_factory):
    """Every model trained one step, saved, and exported: {name: (keras file, version dir)}."""
    root = tmp_path_factory.mktemp("contract")
    paths = {}
    for name in NAMES:
        model = build(name)
        train_one_step(model)
        model.save(root / f"{name}.keras")
        paths[name] = (root / f"{name}.keras", export_model(model, name, base=root / "served"))
        if name in SIGNATURE_SETS:
            model.export(root / "keras_export" / name)  # Keras's call, tfgen's signatures
    return root, paths


# both share `exported` (every model trained, saved and exported): one worker builds it once
@pytest.mark.slow
@pytest.mark.xdist_group("contract_exported")
def test_every_export_serves_each_signature_in_a_process_without_tfgen(exported):
    root, paths = exported
    versions = {name: str(version) for name, (_, version) in paths.items()}
    out = run_python(f"""
        import json, sys
        import numpy as np
        import tensorflow as tf

        def request(spec):
            shape = [2 if d is None else d for d in spec.shape]
            value = np.zeros(shape) if spec.dtype.is_integer else np.full(shape, 0.5)
            return tf.constant(value, dtype=spec.dtype)

        report = {{}}
        for name, path in {versions!r}.items():
            served = tf.saved_model.load(path)
            report[name] = {{}}
            for signature, fn in served.signatures.items():
                inputs = fn.structured_input_signature[1]
                outputs = fn(**{{k: request(s) for k, s in inputs.items()}})
                report[name][signature] = {{
                    k: [list(v.shape), bool(np.isfinite(v.numpy()).all())]
                    for k, v in outputs.items()
                }}
        assert "tfgen" not in sys.modules
        print(json.dumps(report))
    """)
    report = json.loads(out.strip().splitlines()[-1])
    assert sorted(report) == NAMES
    for name, signatures in report.items():
        assert "serving_default" in signatures, name
        for signature, outputs in signatures.items():
            assert outputs, f"{name}/{signature} returned nothing"
            for output, (shape, finite) in outputs.items():
                assert shape[0] == 2 and finite, f"{name}/{signature}/{output}: {shape}"


@pytest.mark.slow
@pytest.mark.xdist_group("contract_exported")
def test_every_model_loads_and_continues_training_in_a_fresh_process(exported):
    root, paths = exported
    out = run_python(f"""
        import numpy as np
        from tfgen.data import load_dataset
        from tfgen.models import load_model
        for name in {NAMES!r}:
            model = load_model({str(root)!r} + f"/{{name}}.keras")
            optimizer = getattr(model, "g_optimizer", None) or model.optimizer
            steps = int(optimizer.iterations)
            ds = load_dataset("digits", batch_size=32, drop_remainder=True,
                              pixel_range=model.pixel_range)
            model.fit(ds.take(1), epochs=1, verbose=0)
            print(name, steps, int(optimizer.iterations))
    """)
    assert out.split() == [x for name in NAMES for x in (name, "1", "2")]


@pytest.mark.slow
@pytest.mark.xdist_group("contract_exported")
def test_model_export_writes_the_signatures_of_tfgen_export(exported):
    """`model.export(path)` (Keras's own call) and `tfgen export` give the same signatures,
    inputs and outputs, read by a process that does not import tfgen."""
    root, paths = exported
    pairs = {
        name: (str(version), str(root / "keras_export" / name))
        for name, (_, version) in paths.items()
        if name in SIGNATURE_SETS
    }
    out = run_python(f"""
        import json, sys
        import tensorflow as tf

        def described(path):
            signatures = tf.saved_model.load(path).signatures
            return {{
                name: [sorted((k, s.dtype.name, s.shape.as_list())
                              for k, s in fn.structured_input_signature[1].items()),
                       sorted(fn.structured_outputs)]
                for name, fn in signatures.items()
            }}

        report = {{name: [described(a), described(b)] for name, (a, b) in {pairs!r}.items()}}
        assert "tfgen" not in sys.modules
        print(json.dumps(report))
    """)
    report = json.loads(out.strip().splitlines()[-1])
    assert sorted(report) == SIGNATURE_SETS
    for name, (tfgen_export, keras_export) in report.items():
        assert keras_export == tfgen_export, name
        assert "serving_default" in keras_export and len(keras_export) >= 2, name
