"""`tfds:NAME[:SPLIT]`: any TensorFlow Datasets image dataset, streamed (not held in memory).

Downloads need the internet. Offline, a dataset must already be prepared in the TFDS data
folder (`TFDS_DATA_DIR`, default `~/tensorflow_datasets`); otherwise `read_tfds` fails at once
with a message that says how to get the data there, instead of retrying downloads for minutes.
"""

import socket

import tensorflow as tf

from tfgen.data.arrays import SourceInfo
from tfgen.errors import InputError

# Where TFDS fetches most image datasets from (MNIST, CIFAR, Fashion-MNIST mirrors).
DOWNLOAD_HOST = ("storage.googleapis.com", 443)


def parse_tfds_source(source: str):
    """Splits "tfds:NAME[:SPLIT]" into (name, split); the split defaults to "train"."""
    _, _, rest = source.partition(":")
    name, _, split = rest.partition(":")
    if not name:
        raise InputError(
            f"Expected 'tfds:NAME[:SPLIT]', e.g. 'tfds:mnist:test'. Received: {source!r}"
        )
    return name, split or "train"


def read_tfds(source: str, *, split=None, data_dir=None):
    """Loads a TFDS split as a dataset of (uint8 image, int64 label or -1).

    Args:
        source: "tfds:NAME[:SPLIT]".
        split: overrides the split in `source` (TFDS slicing syntax, e.g. "train[:90%]").
        data_dir: TFDS data folder; None uses TFDS's default.

    Returns:
        (tf.data.Dataset, SourceInfo).

    Raises:
        InputError: unknown dataset or split, no `image` feature, or offline without the data.
    """
    import tensorflow_datasets as tfds

    name, default_split = parse_tfds_source(source)
    split = split or default_split
    dataset, builder_info = _load(tfds, name, split, data_dir, source)
    features = builder_info.features
    if "image" not in features:
        raise InputError(
            f"{source}: the dataset has no 'image' feature. Its features: {list(features)}"
        )
    label_feature = features["label"] if "label" in features else None  # noqa: SIM401 (no .get)
    num_classes = getattr(label_feature, "num_classes", None)
    has_labels = num_classes is not None

    def to_pair(example):
        label = tf.cast(example["label"], tf.int64) if has_labels else tf.constant(-1, tf.int64)
        return example["image"], label

    cardinality = int(dataset.cardinality())
    info = SourceInfo(
        source=source,
        kind="tfds",
        num_examples=cardinality if cardinality >= 0 else None,
        image_shape=tuple(features["image"].shape),
        num_classes=num_classes,
        class_names=tuple(label_feature.names) if has_labels else None,
    )
    return dataset.map(to_pair, num_parallel_calls=tf.data.AUTOTUNE), info


def _load(tfds, name, split, data_dir, source):
    kwargs = dict(split=split, data_dir=data_dir, shuffle_files=False, with_info=True)
    try:
        return tfds.load(name, download=False, **kwargs)
    except tfds.core.registered.DatasetNotFoundError as e:
        raise InputError(f"{source}: TFDS has no dataset {name!r} ({e}).") from e
    except AssertionError:
        pass  # not prepared locally: download it if we can
    except ValueError as e:
        raise InputError(f"{source}: bad split {split!r} ({e}).") from e
    if not download_host_reachable():
        where = data_dir or "~/tensorflow_datasets (or $TFDS_DATA_DIR)"
        raise InputError(
            f"{source}: the dataset is not in the TFDS data folder {where} and this machine "
            f"cannot reach the download host {DOWNLOAD_HOST[0]} (offline). On a machine with "
            f"internet run `tfds build {name}` and copy its ~/tensorflow_datasets/{name} folder "
            "here, or point TFDS_DATA_DIR at a folder that holds it. For MNIST, a folder of the "
            "official IDX files also works as --data."
        )
    try:
        return tfds.load(name, download=True, **kwargs)
    except Exception as e:
        raise InputError(f"{source}: downloading with TFDS failed ({e}).") from e


def download_host_reachable(timeout=3.0) -> bool:
    """A quick TCP probe: TFDS itself retries unreachable downloads for minutes."""
    try:
        with socket.create_connection(DOWNLOAD_HOST, timeout=timeout):
            return True
    except OSError:
        return False
