"""LiteRT and ONNX export: every family's generator or decoder, run by the LiteRT interpreter
and ONNX Runtime in a fresh process that imports neither TensorFlow nor tfgen, returns the
Keras model's images; versions, batch shapes and refusals as documented."""

import json
import sys
import zipfile

import numpy as np
import pytest

from tests.conftest import run_python
from tests.export.test_serving_limits import _tiny
from tfgen.cli import main
from tfgen.errors import InputError
from tfgen.export import METADATA_FILE, devices, export_for_devices, export_model, format_of

# Runs in a fresh interpreter with the device runtimes only: what an app on a device has.
RUN_SCRIPT = """
import json, sys
import numpy as np
from ai_edge_litert.interpreter import Interpreter
import onnxruntime
jobs, out_file = json.loads(sys.argv[1]), sys.argv[2]
outputs, report = {}, {}
for key, (path, fmt, signature, inputs_file) in jobs.items():
    inputs = dict(np.load(inputs_file))
    rows = len(next(iter(inputs.values())))
    if fmt == "litert":
        runner = Interpreter(model_path=path).get_signature_runner(signature)
        shapes = {name: d["shape_signature"].tolist()
                  for name, d in runner.get_input_details().items()}
        run = lambda x: runner(**x)
    else:
        session = onnxruntime.InferenceSession(path, providers=["CPUExecutionProvider"])
        shapes = {i.name: [d if isinstance(d, int) else -1 for d in i.shape]
                  for i in session.get_inputs()}
        run = lambda x: dict(zip(["images"], session.run(["images"], x)))
    outputs[key] = run(inputs)["images"]
    try:  # one row fewer: a dynamic batch takes it, a fixed one refuses it
        outputs[key + ":fewer"] = run({k: v[: rows - 1] for k, v in inputs.items()})["images"]
    except Exception as e:
        report[key + ":fewer"] = type(e).__name__
    report[key] = shapes
assert "tensorflow" not in sys.modules and "tfgen" not in sys.modules, "needs TF or tfgen"
np.savez(out_file, **outputs)
print(json.dumps(report))
"""

# one family per distinct generator/decoder network and input signature (the full suite's
# time is bounded): wgan_gp and gan share dcgan's path, vaegan the VAE decoder, sparse_ae and
# denoising_ae the autoencoder's decoder
CONVERTED_FAMILIES = ["ae", "cgan", "conditional_sngan", "dcgan", "sngan", "vae"]
ROWS = 4


def run_on_device(jobs, tmp_path):
    """Runs each exported file (key -> (version folder, inputs)) in a fresh process;
    returns (images by key, report by key: input shapes as the runtime sees them)."""
    specs = {}
    for key, (version, inputs) in jobs.items():
        metadata = json.loads((version / METADATA_FILE).read_text())
        np.savez(tmp_path / f"{key}.npz", **inputs)
        specs[key] = [
            str(version / metadata["file"]),
            metadata["format"],
            metadata["signature"],
            str(tmp_path / f"{key}.npz"),
        ]
    (tmp_path / "run.py").write_text(RUN_SCRIPT)
    out = run_python(
        f"import runpy, sys; sys.argv = ['run', {json.dumps(specs)!r}, "
        f"{str(tmp_path / 'out.npz')!r}]; "
        f"runpy.run_path({str(tmp_path / 'run.py')!r}, run_name='__main__')"
    )
    return dict(np.load(tmp_path / "out.npz")), json.loads(out.strip().splitlines()[-1])


def with_batch_statistics(model):
    """`model` with batch-norm statistics away from their (0, 1) start, as after training, so
    the converters' folding of them into the convolutions is exercised."""
    rng = np.random.default_rng(0)
    for weight in model.weights:
        if weight.path.endswith("moving_mean"):
            weight.assign(rng.normal(0.0, 0.3, weight.shape))
        elif weight.path.endswith("moving_variance"):
            weight.assign(rng.uniform(0.5, 2.0, weight.shape))
    return model


def request_and_images(model, rows=ROWS):
    """A fixed request to the device function and the Keras model's images for it."""
    z = np.random.default_rng(1).normal(size=(rows, model.latent_dim)).astype(np.float32)
    if not model.can_sample:
        return {"code": z}, model.decode_latent(z)
    if model.is_conditional:
        labels = np.array([0, 9, 3, 7][:rows], np.int64)
        return {"z": z, "label": labels}, model.generate(z, labels)
    return {"z": z}, model.generate(z)


@pytest.mark.slow
@pytest.mark.parametrize("name", CONVERTED_FAMILIES)
def test_litert_and_onnx_match_keras_in_a_fresh_process(name, tmp_path):
    model = with_batch_statistics(_tiny(name))
    request, expected = request_and_images(model)
    litert = export_for_devices(model, f"{name}_litert", base=tmp_path, format="litert")
    onnx = export_for_devices(model, f"{name}_onnx", base=tmp_path, format="onnx")
    assert (litert / "model.tflite").is_file() and (onnx / "model.onnx").is_file()
    images, report = run_on_device({"litert": (litert, request), "onnx": (onnx, request)}, tmp_path)
    for key in ("litert", "onnx"):
        np.testing.assert_allclose(images[key], expected, atol=1e-4, err_msg=key)
        assert images[key].shape == (ROWS, 8, 8, 1)
        # dynamic batch: any number of rows, each the same as in the larger batch
        np.testing.assert_allclose(images[f"{key}:fewer"], expected[:-1], atol=1e-4)
        # the inputs' names and shapes are the SavedModel's, batch dimension -1
        latent = {"z" if model.can_sample else "code": [-1, model.latent_dim]}
        assert report[key] == ({**latent, "label": [-1]} if model.is_conditional else latent)
    metadata = json.loads((litert / METADATA_FILE).read_text())
    assert metadata["signature"] == ("generate" if model.can_sample else "decode")
    assert metadata["batch"] == "dynamic" and metadata["verified_max_abs_error"] <= 1e-4
    assert sorted(metadata["inputs"]) == sorted(request)


@pytest.mark.slow
def test_fixed_batch_is_the_files_only_batch_and_the_average_generator_is_exported(tmp_path):
    from tfgen.models import build_model

    model = build_model(
        "cgan", (8, 8, 1), num_classes=10, latent_dim=4, g_widths=[16, 8], d_widths=[8],
        ema_decay=0.5,
    )  # fmt: skip
    for average in with_batch_statistics(model).ema_generator.weights:  # unlike G now
        average.assign(average * 1.5)
    request, expected = request_and_images(model, rows=3)
    live = (model.generator([request["z"], request["label"]], training=False).numpy() + 1) / 2
    assert not np.allclose(expected, live, atol=1e-3)
    litert = export_for_devices(model, "litert", base=tmp_path, format="litert", batch=3)
    onnx = export_for_devices(model, "onnx", base=tmp_path, format="onnx", batch=3)
    images, report = run_on_device({"litert": (litert, request), "onnx": (onnx, request)}, tmp_path)
    for key in ("litert", "onnx"):
        np.testing.assert_allclose(images[key], expected, atol=1e-4, err_msg=key)
        assert f"{key}:fewer" in report, f"{key}: a batch of 3 took 2 rows"
    assert report["onnx"] == {"z": [3, 4], "label": [3]}
    assert report["litert"] == {"z": [3, 4], "label": [3]}
    metadata = json.loads((litert / METADATA_FILE).read_text())
    assert metadata["batch"] == 3 and metadata["inputs"]["z"]["shape"] == [3, 4]
    assert metadata["outputs"]["images"]["shape"] == [3, 8, 8, 1]


@pytest.mark.slow
def test_cli_exports_litert_then_onnx_versions(tmp_path, capsys):
    path = tmp_path / "vae.keras"
    _tiny("vae").save(path)
    base = tmp_path / "models"
    for version in ("1", "2"):
        args = ["export", "--model", str(path), "--name", "vae", "--base", str(base)]
        assert main([*args, "--format", "litert"]) == 0
        assert (base / "vae" / version / "model.tflite").is_file()
    assert f"to {base / 'vae' / '2' / 'model.tflite'}" in capsys.readouterr().out
    onnx = ["export", "--model", str(path), "--name", "vae_onnx", "--base", str(base)]
    assert main([*onnx, "--format", "onnx"]) == 0
    assert sorted(p.name for p in (base / "vae_onnx").iterdir()) == [".tfgen.lock", "1"]
    with pytest.raises(SystemExit) as exit_:  # a name keeps one format
        main([*args, "--format", "onnx"])
    assert exit_.value.code == 2
    assert "vae holds litert versions and a name holds one format" in capsys.readouterr().err


def test_a_name_keeps_one_format(tmp_path):
    """Refused before converting: a SavedModel version exists (a stand-in here)."""
    (tmp_path / "gan" / "1").mkdir(parents=True)
    (tmp_path / "gan" / "1" / "saved_model.pb").write_bytes(b"")
    with pytest.raises(InputError, match=r"holds saved_model versions.*\(e\.g\. gan_litert\)"):
        export_for_devices(_tiny("dcgan"), "gan", base=tmp_path, format="litert")
    assert format_of(tmp_path / "gan" / "1") == "saved_model"


def test_a_savedmodel_export_refuses_a_name_of_litert_versions(tmp_path):
    (tmp_path / "gan" / "1").mkdir(parents=True)
    (tmp_path / "gan" / "1" / "model.tflite").write_bytes(b"")
    with pytest.raises(InputError, match=r"holds litert versions.*\(e\.g\. gan_saved_model\)"):
        export_model(_tiny("dcgan"), "gan", base=tmp_path)
    assert sorted(p.name for p in (tmp_path / "gan").iterdir()) == [".tfgen.lock", "1"]


def test_a_classifier_has_nothing_to_export_for_devices(tmp_path):
    with pytest.raises(InputError, match="a Classifier has no generator or decoder"):
        export_for_devices(_tiny("classifier"), "c", base=tmp_path, format="onnx")
    assert not (tmp_path / "c").exists()


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"format": "tflite"}, r"format must be one of \['litert', 'onnx'\]. Received: format="),
        ({"batch": 0}, "batch must be None or a positive integer. Received: batch=0"),
        ({"batch": True}, "batch must be None or a positive integer"),
        ({"batch": 2.0}, "batch must be None or a positive integer"),
        ({"name": "../x"}, "name must start with a letter or digit"),
    ],
)
def test_bad_arguments_are_refused(tmp_path, kwargs, message):
    with pytest.raises(InputError, match=message):
        export_for_devices(_tiny("dcgan"), **{"name": "g", "base": tmp_path, **kwargs})
    assert not (tmp_path / "g").exists()


def test_a_file_that_differs_from_keras_is_not_published(tmp_path, monkeypatch):
    gan = _tiny("dcgan")
    monkeypatch.setattr(devices, "_convert", lambda *args: b"converted")
    monkeypatch.setattr(
        devices, "_run", lambda fmt, content, sig, x: {"images": np.full((3, 8, 8, 1), 0.5)}
    )
    with pytest.raises(RuntimeError, match=r"differ from Keras's by .* > 0.0001"):
        export_for_devices(gan, "g", base=tmp_path, format="litert")
    monkeypatch.setattr(
        devices, "_run", lambda fmt, content, sig, x: {"images": np.full((3, 8, 8, 1), np.nan)}
    )
    with pytest.raises(RuntimeError, match="differ from Keras's by nan"):
        export_for_devices(gan, "g", base=tmp_path, format="onnx")
    assert not (tmp_path / "g").exists()


def test_onnx_without_tf2onnx_says_what_to_install(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "tf2onnx", None)  # import tf2onnx now raises ImportError
    with pytest.raises(InputError, match=r"pip install 'tfgen\[onnx\]'"):
        export_for_devices(_tiny("dcgan"), "g", base=tmp_path, format="onnx")
    assert not (tmp_path / "g").exists()


@pytest.mark.parametrize(
    "args, message",
    [
        (["--format", "litert", "--max-batch", "8"], "--max-batch applies to --format saved_model"),
        (["--format", "onnx", "--encoder-only"], "--encoder-only applies to --format saved_model"),
        (["--batch", "4"], "--batch applies to --format litert and onnx only"),
        (["--format", "tflite"], "argument --format: invalid choice: 'tflite'"),
    ],
)
def test_cli_refuses_options_of_another_format_before_loading(tmp_path, capsys, args, message):
    model = tmp_path / "m.keras"  # passes --model's parse-time checks; never loaded
    zipfile.ZipFile(model, "w").close()
    with pytest.raises(SystemExit) as exit_:
        main(["export", "--model", str(model), "--name", "g", "--base", str(tmp_path), *args])
    assert exit_.value.code == 2
    assert message in capsys.readouterr().err
    assert not (tmp_path / "g").exists()


def test_without_ai_edge_litert_tensorflows_deprecated_interpreter_is_used(monkeypatch):
    import tensorflow as tf

    from tfgen.export import litert

    assert litert.interpreter_class().__module__.startswith("ai_edge_litert")
    monkeypatch.setitem(sys.modules, "ai_edge_litert.interpreter", None)
    assert litert.interpreter_class() is tf.lite.Interpreter
