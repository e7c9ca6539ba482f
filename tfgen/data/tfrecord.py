"""TFRecord files of `tf.train.Example`: encoded image bytes plus an optional int64 label.

Keys read: `image` (or `image/encoded`, the TF object-detection convention) and `label` (or
`image/class/label`). Files ending in `.gz` are read as GZIP-compressed.
"""

import glob
import logging
from pathlib import Path

import numpy as np
import tensorflow as tf

from tfgen.data.arrays import make_image_arrays
from tfgen.data.images import decode_image_bytes, stack_images
from tfgen.errors import InputError
from tfgen.utils.io import atomic_path

log = logging.getLogger(__name__)

IMAGE_KEYS = ("image", "image/encoded")
LABEL_KEYS = ("label", "image/class/label")
_TFRECORD_MARKERS = (".tfrecord", ".tfrecords", ".tfrec")


def is_tfrecord_path(source: str) -> bool:
    """True for a TFRecord file, a glob of them, or a folder holding them."""
    path = Path(source)
    if path.is_dir():
        return bool(_files_in_dir(path))
    return any(marker in path.name for marker in _TFRECORD_MARKERS)


def tfrecord_files(source: str):
    path = Path(source)
    if path.is_dir():
        files = _files_in_dir(path)
    elif any(c in source for c in "*?["):
        files = sorted(Path(p) for p in glob.glob(source))
    else:
        files = [path] if path.exists() else []
    if not files:
        raise InputError(f"No TFRecord files found. Received: source={source!r}")
    return files


def read_tfrecords(source, *, image_size=None, channels=None, skip_errors=False):
    """Decodes every example of the TFRecord files named by `source`.

    Raises:
        InputError: a corrupt record, an example without image bytes, an undecodable image
            (unless `skip_errors`), labels on only some examples, or mixed sizes/channels.
    """
    images, labels, names, skipped = [], [], [], []
    for file in tfrecord_files(source):
        for index, record in _records(file):
            where = f"{file} (record {index})"
            try:
                image, label = _parse_example(record, where, channels)
            except InputError as e:
                if not skip_errors:
                    raise
                skipped.append(str(e))
                continue
            images.append(image)
            labels.append(label)
            names.append(where)
    if skipped:
        log.warning(
            "%s: skipped %d unreadable record(s):\n  %s", source, len(skipped), "\n  ".join(skipped)
        )
    if not images:
        raise InputError(f"{source}: the TFRecord files hold no readable examples.")
    has_label = [y is not None for y in labels]
    if any(has_label) and not all(has_label):
        raise InputError(
            f"{source}: {sum(has_label)} of {len(labels)} examples have a label; "
            "either all examples or none must have one."
        )
    return make_image_arrays(
        stack_images(images, names, where=source, image_size=image_size),
        labels if all(has_label) else None,
        source=source,
        kind="tfrecord",
        where=source,
        skipped=skipped,
    )


def write_tfrecord(path, images, labels=None):
    """Writes images (uint8 or float in [0, 1], (N, H, W, C)) as PNG-encoded `tf.train.Example`s.

    Written atomically: the file appears complete or not at all. Returns the path.
    """
    images = np.asarray(images)
    if images.dtype != np.uint8:
        images = np.round(np.clip(images, 0.0, 1.0) * 255).astype(np.uint8)
    if images.ndim == 3:
        images = images[..., None]
    options = tf.io.TFRecordOptions(compression_type="GZIP" if str(path).endswith(".gz") else "")
    with atomic_path(path) as tmp, tf.io.TFRecordWriter(tmp, options) as writer:
        for i, image in enumerate(images):
            feature = {"image": _bytes_feature(tf.io.encode_png(image).numpy())}
            if labels is not None:
                feature["label"] = tf.train.Feature(
                    int64_list=tf.train.Int64List(value=[int(labels[i])])
                )
            example = tf.train.Example(features=tf.train.Features(feature=feature))
            writer.write(example.SerializeToString())
    return Path(path)


def _files_in_dir(path: Path):
    return sorted(
        p for p in path.iterdir() if p.is_file() and any(m in p.name for m in _TFRECORD_MARKERS)
    )


def _records(file: Path):
    compression = "GZIP" if file.name.endswith(".gz") else ""
    index = 0
    try:
        for index, record in enumerate(tf.data.TFRecordDataset(str(file), compression)):
            yield index, record.numpy()
    except (tf.errors.DataLossError, tf.errors.InvalidArgumentError) as e:
        raise InputError(
            f"{file}: corrupt TFRecord data after record {index} ({e.message})."
        ) from e


def _parse_example(record: bytes, where, channels):
    try:
        features = tf.train.Example.FromString(record).features.feature
    except Exception as e:  # protobuf raises its own DecodeError
        raise InputError(f"{where}: not a serialized tf.train.Example ({e}).") from e
    image_key = next((k for k in IMAGE_KEYS if k in features), None)
    if image_key is None:
        raise InputError(
            f"{where}: expected encoded image bytes under one of {list(IMAGE_KEYS)}. "
            f"Received keys: {sorted(features)}"
        )
    image = decode_image_bytes(
        features[image_key].bytes_list.value[0], where=where, channels=channels
    )
    label_key = next((k for k in LABEL_KEYS if k in features), None)
    label = int(features[label_key].int64_list.value[0]) if label_key else None
    return image, label


def _bytes_feature(value: bytes):
    return tf.train.Feature(bytes_list=tf.train.BytesList(value=[value]))
