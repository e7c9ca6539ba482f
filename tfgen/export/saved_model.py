"""Writes a model as a TF Serving SavedModel under `<base>/<name>/<next integer version>/`.

Atomic: the SavedModel is written to a staging folder whose name is not an integer (TF Serving
ignores it), reloaded and every signature called once, made world-readable, and only then
renamed to its version number. `saved_models/` never holds a partial version.
"""

import json
import os
import re
import shutil
import tempfile
from pathlib import Path

import numpy as np
import tensorflow as tf

import tfgen
from tfgen.errors import InputError
from tfgen.export.signatures import build_archive

METADATA_FILE = "assets.extra/tfgen.json"  # TF Serving ignores assets.extra/ (but warmup data)
_NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")


def export_model(model, name, base="saved_models", encoder_only=False, run=None):
    """Exports `model`'s serving signatures as the next version of `<base>/<name>`.

    Args:
        model: a tfgen model (e.g. DCGAN, VAE).
        name: the served model's name (letters, digits, `_`, `-`, `.`).
        base: the folder TF Serving's `--model_base_path` points above.
        encoder_only: autoencoders: export the `encode` signature alone.
        run: facts about the training run (its `train_state.json`: data, epochs, final
            training and held-out metrics), recorded in the metadata.

    Returns:
        Path of the new version folder, e.g. saved_models/dcgan_digits/3.

    Raises:
        InputError: a bad name.

    Example:
        path = export_model(gan, "dcgan_digits")  # saved_models/dcgan_digits/1
    """
    if not isinstance(name, str) or not _NAME_RE.match(name):
        raise InputError(
            "name must start with a letter or digit and hold only letters, digits, '_', '-' or "
            f"'.'. Received: name={name!r}"
        )
    model_dir = Path(base) / name
    model_dir.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".staging-", dir=model_dir))
    try:
        archive, signatures = build_archive(model, encoder_only)
        archive.write_out(str(staging), verbose=False)
        _write_metadata(staging, model, signatures, run)
        verify_savedmodel(staging, signatures)
        make_readable(staging)
        return publish(staging, model_dir)
    finally:
        if staging.exists():
            shutil.rmtree(staging)


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


def _example_request(inputs):
    request = {}
    for input_name, spec in inputs.items():
        shape = [1 if d == -1 else d for d in spec["shape"]]
        value = np.full(shape, 0.5 if input_name != "seed" else 0)
        request[input_name] = tf.constant(value, dtype=spec["dtype"])
    return request


def _write_metadata(staging, model, signatures, run):
    metadata = {
        "tfgen_version": tfgen.__version__,
        "tensorflow_version": tf.__version__,
        "model_class": type(model).__name__,
        "image_shape": list(model.image_shape),
        "input_pixel_range": [0.0, 1.0],
        "latent_dim": getattr(model, "latent_dim", None),
        "output_pixel_range": [0.0, 1.0],
        "truncation_method": getattr(model, "truncation_method", None),
        "num_classes": getattr(model, "num_classes", None),
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
