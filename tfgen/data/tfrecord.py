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

    Args:
        skip_errors: skip unreadable records (each listed in `info.skipped` and logged): no or
            empty image bytes, an undecodable image, a feature of the wrong kind. A file whose
            every record has a feature of the wrong kind is still an error.

    Raises:
        InputError: a corrupt file, a record without image bytes or with undecodable ones, a
            label that is not one int64 (unless `skip_errors`), a file whose every record stores
            a feature as the wrong kind, labels on only some examples, or mixed sizes/channels.
            The message names the file, the record and the feature key.
    """
    images, labels, names, skipped = [], [], [], []
    for file in tfrecord_files(source):
        records, wrong_kinds = 0, []
        for index, record in _records(file):
            records += 1
            where = f"{file} (record {index})"
            try:
                image, label = parse_example(record, where, channels)
            except InputError as e:
                if not skip_errors:
                    raise InputError(
                        f"{e} Pass skip_errors=True (--skip-errors) to skip such records."
                    ) from e
                if isinstance(e, FeatureKindError):
                    wrong_kinds.append(e)
                skipped.append(str(e))
                continue
            images.append(image)
            labels.append(label)
            names.append(where)
        if records and len(wrong_kinds) == records:
            # a schema error, not a bad record: skipping would drop the whole file
            first = wrong_kinds[0]
            raise InputError(
                f"{file}: feature {first.key!r} must be {first.expected}; all {records} "
                f"records store it otherwise (skipping them would drop the whole file). "
                f"Received: {first.received} in record 0."
            )
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
            writer.write(encode_example(image, None if labels is None else labels[i]))
    return Path(path)


def encode_example(image, label=None, png=None):
    """One uint8 (H, W, C) image (and int label, or None) as a serialized `tf.train.Example`
    holding its PNG under `image` (and the label under `label`). `png`: the image's PNG bytes
    when they are at hand, so it is not encoded again."""
    feature = {"image": _bytes_feature(png or tf.io.encode_png(image).numpy())}
    if label is not None:
        feature["label"] = tf.train.Feature(int64_list=tf.train.Int64List(value=[int(label)]))
    return tf.train.Example(features=tf.train.Features(feature=feature)).SerializeToString()


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


def parse_example(record: bytes, where, channels):
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
        _one_value(features[image_key], image_key, "bytes_list", where),
        where=where,
        channels=channels,
    )
    label_key = next((k for k in LABEL_KEYS if k in features), None)
    if label_key is None:
        return image, None
    return image, int(_one_value(features[label_key], label_key, "int64_list", where))


class FeatureKindError(InputError):
    """A feature stored as the wrong list kind, e.g. a label as bytes_list, not int64_list."""

    def __init__(self, where, key, expected, received):
        super().__init__(f"{where}: feature {key!r} must be {expected}. Received: {received}.")
        self.key, self.expected, self.received = key, expected, received


_EXPECTED = {
    "bytes_list": "a bytes_list holding one encoded PNG/JPEG/BMP/GIF image",
    "int64_list": "an int64_list holding one integer class label",
}


def _one_value(feature, key, kind, where):
    """The single value of `feature`, which must be stored as `kind`.

    Raises:
        FeatureKindError: the feature is stored as another list kind.
        InputError: it holds no value, several values, or empty image bytes.
    """
    stored = feature.WhichOneof("kind")  # None for an empty Feature()
    values = list(getattr(feature, stored).value) if stored else []
    if stored is not None and stored != kind:
        raise FeatureKindError(
            where, key, _EXPECTED[kind], f"{_article(stored)} {stored} {_shown(values)}"
        )
    if len(values) != 1 or values[0] == b"":
        if not values:
            received = f"an empty {stored}" if stored else "an empty feature"
        elif values == [b""]:
            received = "empty image bytes (b'')"
        else:
            received = f"{len(values)} values {_shown(values)}"
        raise InputError(
            f"{where}: feature {key!r} must be {_EXPECTED[kind]}. Received: {received}."
        )
    return values[0]


def _article(kind):
    return "an" if kind[0] in "aeiou" else "a"


def _shown(values):
    """The first values of a feature, long bytes cut short."""
    shown = [v[:16] + b"..." if isinstance(v, bytes) and len(v) > 16 else v for v in values[:3]]
    return f"{shown}"[:-1] + (", ...]" if len(values) > 3 else "]")


def _bytes_feature(value: bytes):
    return tf.train.Feature(bytes_list=tf.train.BytesList(value=[value]))
