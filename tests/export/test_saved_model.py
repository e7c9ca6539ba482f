"""SavedModel export: versioned and atomic, loadable without tfgen, each signature matching the
Keras model and rejecting bad requests with a clear message."""

import json
import os
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from tests.conftest import run_python
from tfgen.errors import InputError
from tfgen.export import METADATA_FILE, export_model, saved_model
from tfgen.models.dcgan import build_dcgan
from tfgen.models.vae import build_vae

# Runs in a fresh interpreter that imports TensorFlow only: what TF Serving sees.
SERVE_SCRIPT = """
import json, sys
import numpy as np
import tensorflow as tf
path, requests_file, out_file = sys.argv[1:4]
model = tf.saved_model.load(path)
assert "tfgen" not in sys.modules, "the SavedModel must not need tfgen"
requests = dict(np.load(requests_file))
outputs, errors = {}, {}
for key in sorted({k.split("/")[0] for k in requests}):
    signature, _, case = key.partition(":")
    inputs = {k.split("/")[1]: tf.constant(v) for k, v in requests.items()
              if k.split("/")[0] == key}
    try:
        result = model.signatures[signature](**inputs)
        for name, value in result.items():
            outputs[f"{key}/{name}"] = value.numpy()
    except tf.errors.InvalidArgumentError as e:
        errors[key] = e.message
np.savez(out_file, **outputs)
print(json.dumps({"signatures": sorted(model.signatures), "errors": errors}))
"""


def serve(path, requests, tmp_path):
    """Calls signatures of the SavedModel at `path` in a fresh process.

    `requests` maps "signature[:case]/input" to arrays; returns (outputs, signatures, errors).
    """
    np.savez(tmp_path / "requests.npz", **requests)
    (tmp_path / "serve.py").write_text(SERVE_SCRIPT)
    out = run_python(
        f"import runpy, sys; sys.argv = ['serve', {str(path)!r}, "
        f"{str(tmp_path / 'requests.npz')!r}, {str(tmp_path / 'out.npz')!r}]; "
        f"runpy.run_path({str(tmp_path / 'serve.py')!r}, run_name='__main__')"
    )
    report = json.loads(out.strip().splitlines()[-1])
    return dict(np.load(tmp_path / "out.npz")), report["signatures"], report["errors"]


@pytest.fixture(scope="module")
def gan():
    return build_dcgan((8, 8, 1), g_widths=[32, 16, 8], d_widths=[8, 16], latent_dim=6)


@pytest.fixture(scope="module")
def vae():
    return build_vae((8, 8, 1), latent_dim=3)


@pytest.mark.slow  # 6-11 s in the fast tier under xdist
def test_gan_export_matches_keras_in_a_fresh_process(gan, tmp_path):
    path = export_model(gan, "gan", base=tmp_path / "models")
    assert path == tmp_path / "models" / "gan" / "1"
    z = np.random.default_rng(0).normal(size=(5, 6)).astype(np.float32)
    seeds = np.array([3, 4, 5], np.int64)
    outputs, signatures, errors = serve(
        path,
        {
            "generate/z": z,
            "sample/seed": seeds,
            "sample/truncation": np.array([1.0, 0.7, 0.3], np.float32),
            "serving_default/seed": seeds[:1],
            "serving_default/truncation": np.ones(1, np.float32),
            "sample:alone/seed": seeds[1:2],
            "sample:alone/truncation": np.array([0.7], np.float32),
            "generate:bad_shape/z": np.zeros([2, 5], np.float32),
            "generate:nan/z": np.full([1, 6], np.nan, np.float32),
            "sample:psi0/seed": seeds[:1],
            "sample:psi0/truncation": np.zeros(1, np.float32),
            "sample:lengths/seed": seeds,
            "sample:lengths/truncation": np.ones(2, np.float32),
        },
        tmp_path,
    )
    assert signatures == ["generate", "sample", "serving_default"]
    np.testing.assert_allclose(outputs["generate/images"], gan.generate(z), atol=1e-6)
    expected = np.concatenate(
        [gan.sample(1, seed=s, truncation=t) for s, t in [(3, 1.0), (4, 0.7), (5, 0.3)]]
    )
    np.testing.assert_allclose(outputs["sample/images"], expected, atol=1e-6)
    np.testing.assert_allclose(outputs["serving_default/images"], expected[:1], atol=1e-6)
    # a row is the same alone or batched (TF Serving's batching relies on it)
    np.testing.assert_array_equal(outputs["sample:alone/images"], outputs["sample/images"][1:2])
    assert (
        "Shape of tensor z [2,5] is not compatible with expected shape [?,6]"
        in errors["generate:bad_shape"]
    )
    assert "generate: z must be finite" in errors["generate:nan"]
    assert "sample: truncation must be in (0, 1]" in errors["sample:psi0"]
    assert "seed and truncation need one value per image" in errors["sample:lengths"]


@pytest.mark.slow
def test_vae_export_matches_keras_in_a_fresh_process(vae, tmp_path):
    path = export_model(vae, "vae", base=tmp_path)
    x = np.random.default_rng(1).uniform(size=(4, 8, 8, 1)).astype(np.float32)
    z = np.random.default_rng(2).normal(size=(2, 3)).astype(np.float32)
    outputs, signatures, errors = serve(
        path,
        {
            "reconstruct/images": x,
            "encode/images": x,
            "decode/z": z,
            "generate/z": z,
            "sample/seed": np.array([0, 1], np.int64),
            "sample/truncation": np.ones(2, np.float32),
            "serving_default/images": x[:1],
            "reconstruct:range/images": x * 255,
        },
        tmp_path,
    )
    assert signatures == [
        "decode",
        "encode",
        "generate",
        "reconstruct",
        "sample",
        "serving_default",
    ]
    np.testing.assert_allclose(outputs["reconstruct/images"], vae.reconstruct(x), atol=1e-5)
    np.testing.assert_allclose(outputs["serving_default/images"], vae.reconstruct(x[:1]), atol=1e-5)
    z_mean, z_log_var = vae.encode(x)
    np.testing.assert_allclose(outputs["encode/z_mean"], z_mean, atol=1e-5)
    np.testing.assert_allclose(outputs["encode/z_log_var"], z_log_var, atol=1e-5)
    np.testing.assert_allclose(outputs["decode/images"], vae.generate(z), atol=1e-6)
    np.testing.assert_allclose(outputs["generate/images"], vae.generate(z), atol=1e-6)
    np.testing.assert_allclose(outputs["sample/images"], vae.sample(2, seed=0), atol=1e-6)
    assert "reconstruct: images must be in [0, 1]" in errors["reconstruct:range"]


@pytest.mark.slow  # 6-11 s in the fast tier under xdist
def test_saved_model_cli_shows_named_signatures(gan, tmp_path):
    path = export_model(gan, "gan", base=tmp_path)
    cli = (
        shutil.which("saved_model_cli", path=str(Path(sys.executable).parent)) or "saved_model_cli"
    )
    shown = subprocess.run(
        [cli, "show", "--dir", str(path), "--all"], capture_output=True, text=True, check=True
    ).stdout
    assert "signature_def['sample']" in shown and "signature_def['generate']" in shown
    assert "signature_def['serving_default']" in shown
    for needle in (
        "inputs['seed'] tensor_info:",
        "dtype: DT_INT64",
        "inputs['truncation']",
        "inputs['z'] tensor_info:",
        "shape: (-1, 6)",
        "outputs['images']",
        "shape: (-1, 8, 8, 1)",
        "Method name is: tensorflow/serving/predict",
    ):
        assert needle in shown, needle


@pytest.mark.slow  # 6-12 s in the fast tier under xdist
def test_versions_count_up_and_are_world_readable(gan, tmp_path):
    first = export_model(gan, "gan", base=tmp_path)
    second = export_model(gan, "gan", base=tmp_path)
    assert (first.name, second.name) == ("1", "2")
    # no staging left; the export lock file stays (TF Serving ignores non-integer names)
    assert sorted(p.name for p in (tmp_path / "gan").iterdir()) == [".tfgen.lock", "1", "2"]
    mode = stat.S_IMODE(os.stat(second).st_mode)
    assert mode == 0o755
    metadata = json.loads((second / METADATA_FILE).read_text())
    assert metadata["model_class"] == "GAN" and metadata["latent_dim"] == 6
    assert metadata["signatures"]["sample"]["inputs"]["seed"] == {"dtype": "int64", "shape": [-1]}


@pytest.mark.slow  # 6-12 s in the fast tier under xdist
def test_failed_export_leaves_no_version(gan, tmp_path, monkeypatch):
    def broken(path, signatures):
        raise RuntimeError("verification failed")

    monkeypatch.setattr(saved_model, "verify_savedmodel", broken)
    with pytest.raises(RuntimeError, match="verification failed"):
        export_model(gan, "gan", base=tmp_path)
    assert not (tmp_path / "gan").exists()  # the failed first export leaves nothing behind
    monkeypatch.undo()
    export_model(gan, "gan", base=tmp_path)
    monkeypatch.setattr(saved_model, "verify_savedmodel", broken)
    with pytest.raises(RuntimeError, match="verification failed"):
        export_model(gan, "gan", base=tmp_path)
    assert sorted(p.name for p in (tmp_path / "gan").iterdir()) == [".tfgen.lock", "1"]


def test_bad_name_rejected(gan, tmp_path):
    with pytest.raises(InputError, match="name must start with a letter or digit"):
        export_model(gan, "../escape", base=tmp_path)


@pytest.mark.slow
def test_autoencoder_export_and_encoder_only(tmp_path):
    from tfgen.models import build_model

    ae = build_model("sparse_ae", (8, 8, 1), code_size=5, architecture="dense")
    x = np.random.default_rng(3).uniform(size=(3, 8, 8, 1)).astype(np.float32)
    code = ae.encode_latent(x)
    full = export_model(ae, "ae", base=tmp_path)
    encoder = export_model(ae, "ae_encoder", base=tmp_path, encoder_only=True)
    outputs, signatures, _ = serve(
        full, {"reconstruct/images": x, "encode/images": x, "decode/code": code}, tmp_path
    )
    assert signatures == ["decode", "encode", "reconstruct", "serving_default"]
    np.testing.assert_allclose(outputs["encode/code"], code, atol=1e-6)
    np.testing.assert_allclose(outputs["decode/images"], ae.reconstruct(x), atol=1e-5)
    np.testing.assert_allclose(outputs["reconstruct/images"], ae.reconstruct(x), atol=1e-5)
    outputs, signatures, _ = serve(encoder, {"serving_default/images": x}, tmp_path)
    assert signatures == ["encode", "serving_default"]
    np.testing.assert_allclose(outputs["serving_default/code"], code, atol=1e-6)
    # the encoder-only SavedModel carries the encoder's variables only
    assert (encoder / "variables").exists()
    sizes = [sum(f.stat().st_size for f in (p / "variables").iterdir()) for p in (full, encoder)]
    assert sizes[1] < sizes[0]


def test_encoder_only_needs_an_encoder(gan, tmp_path):
    with pytest.raises(InputError, match="has no encoder to export on its own"):
        export_model(gan, "gan", base=tmp_path, encoder_only=True)


@pytest.mark.slow
def test_conditional_gan_export_takes_labels_and_ema_is_served(tmp_path):
    from tfgen.models import build_model

    cgan = build_model(
        "cgan",
        (8, 8, 1),
        num_classes=10,
        latent_dim=6,
        g_widths=[16, 8, 4],
        d_widths=[4, 8],
        ema_decay=0.5,
        truncation_method="resample",
    )
    for average in cgan.ema_generator.weights:  # make the average differ from G
        average.assign(average * 1.5)
    path = export_model(cgan, "cgan", base=tmp_path)
    z = np.random.default_rng(5).normal(size=(3, 6)).astype(np.float32)
    labels = np.array([0, 4, 9], np.int64)
    outputs, signatures, errors = serve(
        path,
        {
            "generate/z": z,
            "generate/label": labels,
            "sample/seed": np.array([1, 2, 3], np.int64),
            "sample/truncation": np.array([1.0, 0.6, 0.3], np.float32),
            "sample/label": labels,
            "generate:range/z": z[:1],
            "generate:range/label": np.array([10], np.int64),
            "generate:count/z": z,
            "generate:count/label": labels[:2],
        },
        tmp_path,
    )
    assert signatures == ["generate", "sample", "serving_default"]
    np.testing.assert_allclose(outputs["generate/images"], cgan.generate(z, labels), atol=1e-6)
    expected = np.concatenate(
        [
            cgan.sample(1, seed=s, truncation=t, labels=int(y))
            for s, t, y in [(1, 1.0, 0), (2, 0.6, 4), (3, 0.3, 9)]
        ]
    )
    np.testing.assert_allclose(outputs["sample/images"], expected, atol=1e-6)
    live = (cgan.generator([z, labels.astype(np.int32)], training=False).numpy() + 1) / 2
    assert not np.allclose(outputs["generate/images"], live)  # the average is served
    assert "generate: label must be in [0, 10)" in errors["generate:range"]
    assert "label needs one value per image" in errors["generate:count"]
    metadata = json.loads((path / METADATA_FILE).read_text())
    assert metadata["num_classes"] == 10 and metadata["truncation_method"] == "resample"


@pytest.mark.slow
def test_vaegan_exports_autoencoder_and_generator_signatures(tmp_path):
    from tfgen.models import build_model

    vaegan = build_model(
        "vaegan", (8, 8, 1), latent_dim=3, widths=[8, 8], hidden=16, d_widths=[4, 8]
    )
    path = export_model(vaegan, "vaegan", base=tmp_path)
    x = np.random.default_rng(6).uniform(size=(2, 8, 8, 1)).astype(np.float32)
    outputs, signatures, _ = serve(
        path,
        {
            "reconstruct/images": x,
            "sample/seed": np.array([4, 5], np.int64),
            "sample/truncation": np.ones(2, np.float32),
        },
        tmp_path,
    )
    assert signatures == [
        "decode",
        "encode",
        "generate",
        "reconstruct",
        "sample",
        "serving_default",
    ]
    np.testing.assert_allclose(outputs["reconstruct/images"], vaegan.reconstruct(x), atol=1e-5)
    np.testing.assert_allclose(outputs["sample/images"], vaegan.sample(2, seed=4), atol=1e-6)
