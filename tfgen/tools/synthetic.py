"""Synthetic datasets from a generative model, in formats the data layer reads back (for
augmenting a training set with generated samples)."""

import os
import shutil
import tempfile
from pathlib import Path

import numpy as np
import tensorflow as tf

from tfgen.data import write_tfrecord
from tfgen.errors import InputError
from tfgen.utils.images import to_uint8

_CHUNK = 1000


def generate_dataset(model, n, out, seed=0, truncation=1.0, per_class=False):
    """Writes `n` generated images (per class, with `per_class`) to `out`, atomically.

    `out` ending in .tfrecord (or .tfrecord.gz) gets one TFRecord of PNG-encoded examples, with
    labels for a conditional model; any other path becomes a folder of PNG files, one subfolder
    per class (00, 01, ...) for a conditional model so the folder reads back labelled.

    Returns:
        (path, number of images, labels or None).

    Raises:
        InputError: `out` exists (nothing is overwritten), or per_class without classes.
    """
    out = Path(out)
    if out.exists():
        raise InputError(f"{out} exists; choose a new path (generated data never overwrites).")
    images, labels = _draw(model, n, seed, truncation, per_class)
    if out.name.endswith((".tfrecord", ".tfrecord.gz")):
        write_tfrecord(out, images, labels)
    else:
        _write_folder(out, images, labels)
    return out, len(images), labels


def _draw(model, n, seed, truncation, per_class):
    num_classes = model.num_classes if model.is_conditional else None
    if per_class and num_classes is None:
        raise InputError(
            f"--per-class needs a conditional model (cgan); this is a {type(model).__name__}."
        )
    if num_classes is None:
        chunks = [
            model.sample(min(_CHUNK, n - i), seed=seed + i, truncation=truncation)
            for i in range(0, n, _CHUNK)
        ]
        return np.concatenate(chunks), None
    labels = np.repeat(np.arange(num_classes), n) if per_class else np.arange(n) % num_classes
    chunks = [
        model.sample(
            min(_CHUNK, len(labels) - i),
            seed=seed + i,
            truncation=truncation,
            labels=labels[i : i + _CHUNK],
        )
        for i in range(0, len(labels), _CHUNK)
    ]
    return np.concatenate(chunks), labels


def _write_folder(out, images, labels):
    out.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{out.name}.", dir=out.parent))
    try:
        digits = len(str(int(labels.max()))) if labels is not None else 0
        width = len(str(len(images) - 1))
        for i, image in enumerate(to_uint8(images)):
            folder = staging / f"{int(labels[i]):0{digits}d}" if labels is not None else staging
            folder.mkdir(exist_ok=True)
            (folder / f"{i:0{width}d}.png").write_bytes(tf.io.encode_png(image).numpy())
        os.chmod(staging, 0o755)
        os.rename(staging, out)
    finally:
        if staging.exists():
            shutil.rmtree(staging)
