"""Writes a model as a TF Serving SavedModel under `<base>/<name>/<next integer version>/`.

Atomic: the SavedModel is written to a staging folder whose name is not an integer (TF Serving
ignores it), reloaded and every signature called once, made world-readable, and only then
renamed to its version number. `saved_models/` never holds a partial version.

Serialized: an export (or a Pusher) holds an exclusive lock on `<base>/<name>/.tfgen.lock` from
staging to publish, so two exports of one name cannot race for a version number, and staging
folders left by a killed export can be removed safely under the lock.

One format per name: its versions are all SavedModels, or all LiteRT or ONNX files
(`tfgen.export.devices`), since a reader of `<base>/<name>` (TF Serving, an app) loads the
newest version and must find the format it expects.
"""

import contextlib
import json
import os
import shutil
import tempfile
from pathlib import Path

import numpy as np
import tensorflow as tf

import tfgen
from tfgen.errors import InputError
from tfgen.export import litert, onnx
from tfgen.export.signatures import build_archive
from tfgen.ops.serving import DEFAULT_MAX_BATCH, check_max_batch, check_model_name
from tfgen.utils.io import locked_folder, remove_stale_temporaries

METADATA_FILE = "assets.extra/tfgen.json"  # TF Serving ignores assets.extra/ (but warmup data)
STAGING_PREFIX = ".staging-"
DEVICE_FILES = {"litert": litert.FILE, "onnx": onnx.FILE}  # what a device version holds


def export_model(
    model, name, base="saved_models", encoder_only=False, run=None, max_batch=DEFAULT_MAX_BATCH
):
    """Exports `model`'s serving signatures as the next version of `<base>/<name>`.

    Args:
        model: a tfgen model (e.g. DCGAN, VAE).
        name: the served model's name (letters, digits, `_`, `-`, `.`; see
            `tfgen.export.check_model_name`).
        base: the folder TF Serving's `--model_base_path` points above.
        encoder_only: autoencoders: export the `encode` signature alone.
        run: facts about the training run (its `train_state.json`: data, epochs, final
            training and held-out metrics), recorded in the metadata.
        max_batch: the most rows one request may carry (recorded in the metadata); every
            signature refuses more, and an empty batch, with an InvalidArgument.

    Returns:
        Path of the new version folder, e.g. saved_models/dcgan_digits/3.

    Raises:
        InputError: a bad name or max_batch.

    Example:
        path = export_model(gan, "dcgan_digits", max_batch=256)  # saved_models/dcgan_digits/1
    """
    check_model_name(name)
    check_max_batch(max_batch)
    model_dir = Path(base) / name
    with model_lock(model_dir):
        check_one_format(model_dir, "saved_model")

        def write(staging):
            archive, signatures = build_archive(model, encoder_only, max_batch)
            archive.write_out(str(staging), verbose=False)
            _write_metadata(staging, model, signatures, run, max_batch)
            verify_savedmodel(staging, signatures)

        return publish_new_version(model_dir, write)


@contextlib.contextmanager
def model_lock(model_dir):
    """Holds the exclusive lock on `model_dir` (creating it; waiting for a concurrent export
    of the same name), then removes the staging folders that killed exports left: under the
    lock no live one exists. See `tfgen.utils.io.locked_folder`."""
    with locked_folder(model_dir, purpose="export", wait=True):
        remove_stale_temporaries(model_dir, (f"{STAGING_PREFIX}*",))
        yield Path(model_dir)


def format_of(version_dir):
    """'saved_model', 'litert' or 'onnx': what a version folder holds (None if unknown)."""
    version_dir = Path(version_dir)
    if (version_dir / "saved_model.pb").exists():
        return "saved_model"
    return next((f for f, file in DEVICE_FILES.items() if (version_dir / file).exists()), None)


def check_one_format(model_dir, format):
    """Raises InputError if `model_dir` holds versions of another format than `format`."""
    model_dir = Path(model_dir)
    if not model_dir.is_dir():
        return
    versions = [p for p in model_dir.iterdir() if p.is_dir() and p.name.isdigit()]
    other = {format_of(p) for p in versions} - {format, None}
    if other:
        raise InputError(
            f"{model_dir} holds {sorted(other)[0]} versions and a name holds one format: "
            f"export format={format!r} under another name (e.g. {model_dir.name}_{format}). "
            f"Received: name={model_dir.name!r}"
        )


def next_version(model_dir):
    """1 + the highest integer-named version folder (1 when there is none)."""
    versions = [int(p.name) for p in Path(model_dir).iterdir() if p.is_dir() and p.name.isdigit()]
    return max(versions, default=0) + 1


def verify_savedmodel(path, signatures):
    """Reloads the SavedModel and calls each signature on a minimal valid request.

    Raises:
        RuntimeError: a signature is missing or returns the wrong outputs.
    """
    loaded = tf.saved_model.load(str(path))
    missing = set(signatures) - set(loaded.signatures)
    if missing:
        raise RuntimeError(f"{path}: the SavedModel lacks signatures {sorted(missing)}")
    for name, described in signatures.items():
        outputs = loaded.signatures[name](**_example_request(described["inputs"]))
        if sorted(outputs) != sorted(described["outputs"]):
            raise RuntimeError(f"{path}: signature {name} returned {sorted(outputs)}")
        try:
            loaded.signatures[name](**_example_request(described["inputs"], rows=0))
        except tf.errors.InvalidArgumentError as e:
            if "empty batch" not in e.message:
                raise
        else:
            raise RuntimeError(f"{path}: signature {name} accepted an empty batch")


def signature_specs(path):
    """Every signature of the SavedModel at `path` (serving_default too) as
    {name: {"inputs": {alias: {"dtype", "shape"}}, "outputs": {alias: {"dtype", "shape"}}}},
    shapes with -1 for any size: what a client of the served model relies on."""

    def described(specs):
        return {
            alias: {
                "dtype": spec.dtype.name,
                "shape": [-1 if d is None else int(d) for d in spec.shape],
            }
            for alias, spec in sorted(specs.items())
        }

    loaded = tf.saved_model.load(str(path))
    return {
        name: {
            "inputs": described(signature.structured_input_signature[1]),
            "outputs": described(signature.structured_outputs),
        }
        for name, signature in sorted(loaded.signatures.items())
    }


def _example_request(inputs, rows=1):
    request = {}
    for input_name, spec in inputs.items():
        shape = [rows if d == -1 else d for d in spec["shape"]]
        value = np.full(shape, 0.5 if input_name != "seed" else 0)
        request[input_name] = tf.constant(value, dtype=spec["dtype"])
    return request


def _write_metadata(staging, model, signatures, run, max_batch):
    metadata = {
        "tfgen_version": tfgen.__version__,
        "tensorflow_version": tf.__version__,
        "model_class": type(model).__name__,
        "capabilities": sorted(model.capabilities),
        "image_shape": list(model.image_shape),
        "input_pixel_range": [0.0, 1.0],
        "latent_dim": model.latent_dim if model.can_sample or model.can_encode else None,
        "output_pixel_range": [0.0, 1.0],
        "truncation_method": model.truncation_method if model.can_sample else None,
        "num_classes": model.num_classes,
        "max_batch": max_batch,
        "signatures": signatures,
        "training_run": run,
    }
    path = staging / METADATA_FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(metadata, indent=2) + "\n")


def make_readable(folder):
    """mkdtemp makes 0700 folders; a model server running as another user must read them."""
    for root, _, files in os.walk(folder):
        os.chmod(root, 0o755)
        for f in files:
            os.chmod(os.path.join(root, f), 0o644)


def publish_new_version(model_dir, write):
    """Calls `write(staging)` on a fresh staging folder inside `model_dir`, makes it readable
    and publishes it as the next version (returning its path). A failed write publishes
    nothing and leaves no staging folder behind."""
    staging = Path(tempfile.mkdtemp(prefix=STAGING_PREFIX, dir=model_dir))
    try:
        write(staging)
        make_readable(staging)
        return publish(staging, model_dir)
    finally:
        if staging.exists():
            shutil.rmtree(staging)


def publish(staging, model_dir):
    """Renames staging to the next free version; retries if another export took it first."""
    while True:
        target = model_dir / str(next_version(model_dir))
        try:
            os.rename(staging, target)
        except OSError:
            if target.exists():
                continue  # a concurrent export published this version first
            raise
        _fsync_dir(model_dir)
        return target


def _fsync_dir(path):
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
