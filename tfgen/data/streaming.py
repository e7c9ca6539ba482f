"""Streaming image folders and TFRecord files: files are read and decoded by tf.data, in parallel.

`index_source` lists the examples without decoding them (one header check per image file, one
label pass over TFRecords) and returns an `ImageArrays` whose "images" are example indices, so
the pipeline's class filter and seeded split apply to indices exactly as they apply to images.
`stream_parts` then turns each index dataset into decoded images (uint8 at the stored size, or
float32 in [0, 1] at `image_size`, the same values `read_arrays` gives).

Bad files: an image file whose header is not PNG/JPEG/BMP/GIF fails with an `InputError`
naming it (or is skipped and listed in `info.skipped` with `skip_errors`). A file with a valid
header but a corrupt body, or of another size or channel count than the first file (without
`image_size`/`channels`), fails only when tf.data reads it, with TensorFlow's error (which
names the file for a size, not for a corrupt body); with `skip_errors` such files are dropped
by tf.data's `ignore_errors`. A TFRecord record whose image bytes do not decode fails or is
dropped alike. TFRecords whose label pass fails (a corrupt file, a label of the wrong kind,
labels on only some records) fall back to the in-memory reader, which names the record.

Naming what fails at read time: pass a `tfgen.data.ReadLog` (`read_log=`). The decode map
carries each example's index and marks it as being read, then as read (two scatter updates per
decoded example; see `tfgen.data.read_log`). After a failure, or at any time with
`skip_errors`, the log names exactly the examples that did not come through, each with its
reason, by re-reading only those in Python: no decode pass before the first step, and none at
all on data without bad files. (Under op determinism the marks would make tf.data run every
map serially, so there the log decodes the examples once, in parallel, when first asked.)
`tfgen.training.train` uses one to turn a failure into an `InputError` naming the file (exit
status 2 on the command line), and lists the files skipped at read time at each epoch end, in
the log and in the run record.

Order: folder examples come in the same order as from `read_arrays` (so the same seed gives
the same batches). TFRecord shards are interleaved, so their examples come in a fixed
interleaved order and a validation split keeps that order rather than the permuted one.
"""

import os
from pathlib import Path

import numpy as np
import tensorflow as tf

from tfgen.data.arrays import ImageArrays, SourceInfo
from tfgen.data.folder import list_images, report_skipped
from tfgen.data.idx import is_idx_path
from tfgen.data.images import decode_image_bytes
from tfgen.data.named import parse_named_source
from tfgen.data.tfrecord import IMAGE_KEYS, LABEL_KEYS, is_tfrecord_path, tfrecord_files
from tfgen.errors import InputError

CACHE_BUDGET_BYTES = 2 * 1024**3  # decoded float32 images cached in memory only below this
SHUFFLE_BUFFER = 10_000  # images held for shuffling when the data is not cached ...
SHUFFLE_BUFFER_BYTES = 256 * 1024**2  # ... and at most this many bytes of them
_MAGIC = (b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff", b"GIF87a", b"GIF89a", b"BM")


class StreamIndex(ImageArrays):
    """An `ImageArrays` whose images are int64 example indices; `files` are what they index."""

    def __init__(self, indices, labels, info, files, kind_data=None):
        super().__init__(indices, labels, info)
        object.__setattr__(self, "files", files)
        object.__setattr__(self, "kind_data", kind_data)


def stream_kind(source):
    """ "folder" or "tfrecord" when `source` can be streamed, else None (the in-memory readers)."""
    if not isinstance(source, str) or not source or source == "digits" or ":" in source[:5]:
        return None
    if parse_named_source(source) is not None:  # mnist, fashion_mnist[:split]: IDX files
        return None
    if is_tfrecord_path(source):
        return "tfrecord"
    path = Path(source).expanduser()
    if path.is_dir() and not is_idx_path(path):
        return "folder"
    return None


def index_source(source, *, image_size=None, channels=None, skip_errors=False):
    """Lists the examples of a folder or TFRecord source without decoding them all.

    Returns:
        A `StreamIndex`, or the `ImageArrays` of `read_arrays` for TFRecords that need the
        in-memory reader's per-record checks.

    Raises:
        InputError: as `read_arrays`, for what the header check and first file show.
    """
    if stream_kind(source) == "tfrecord":
        return _index_tfrecords(source, image_size, channels, skip_errors)
    return _index_folder(source, image_size, channels, skip_errors)


def fits_in_memory(count, image_shape, budget=None):
    """True when `count` float32 images of `image_shape` (H, W, C) fit `budget` bytes
    (default `CACHE_BUDGET_BYTES`, read at call time so that a test can lower it)."""
    budget = CACHE_BUDGET_BYTES if budget is None else budget
    return count * int(np.prod(image_shape)) * 4 <= budget


def stream_parts(
    index, parts, *, count, image_size, channels, shuffle, seed, skip_errors, cache, read_log=None
):
    """Maps each (index, label) part dataset to (image, label) read from the files.

    Args:
        index: the `StreamIndex` of `index_source` (before the class filter).
        parts: [(dataset of (index, label), is_training)], split as in-memory arrays are.
        count: the number of examples after the class filter (the shuffle buffer's size when
            the images are cached, as for in-memory arrays).
        read_log: a `ReadLog` to record which examples fail to decode, or None.

    Returns:
        (parts, cache, buffer): the image parts, the cache setting to use (False when the
        decoded images do not fit `CACHE_BUDGET_BYTES`) and the shuffle buffer size.
    """
    fits = isinstance(cache, str) or (cache and fits_in_memory(count, index.info.image_shape))
    shape = index.info.image_shape
    decoding = (shape, image_size, channels)
    if read_log is not None:
        _bind_read_log(read_log, index, parts, decoding, skip_errors)
    out = []
    for ds, training in parts:
        if index.info.kind == "tfrecord":
            ds = _tfrecord_images(index, _part_indices(ds), decoding, skip_errors, read_log)
        else:
            if shuffle and training and not fits:  # shuffle the file order, not just a buffer
                ds = ds.shuffle(count, seed=seed, reshuffle_each_iteration=True)
            ds = _folder_images(index, ds, decoding, skip_errors, read_log)
        out.append((ds, training))
    # uncached, the file order is reshuffled each epoch, so a bounded buffer only mixes locally
    per_image = 4 * int(np.prod(shape))
    bounded = max(1, min(count, SHUFFLE_BUFFER, SHUFFLE_BUFFER_BYTES // per_image))
    return out, (cache if fits else False), (count if fits else bounded)


def _part_indices(part):
    """The example indices of a dataset of (index, label), as an int64 array."""
    batches = [i.numpy() for i, _ in part.batch(1 << 16)]
    return np.concatenate(batches) if batches else np.zeros(0, np.int64)


def _folder_images(index, part, decoding, skip_errors, read_log):
    """Reads and decodes the files `part` indexes, in parallel and in `part`'s order."""
    ds = _folder_examples(index, part, decoding, read_log)
    ds = ds.map(lambda i, image, label: (image, label))
    if skip_errors:  # valid headers, corrupt bodies: dropped (the read log names them)
        ds = ds.ignore_errors()
    return ds


def _folder_examples(index, part, decoding, read_log=None):
    """(index, image, label) of the files `part` indexes, decoded in parallel, in order."""
    paths = tf.constant([str(f) for f in index.files])

    def read(i, label):
        def decode():
            return _decode(tf.io.read_file(paths[i]), paths[i], *decoding)

        image = read_log.watch(i, decode) if read_log else decode()
        return i, image, label

    return part.map(read, num_parallel_calls=tf.data.AUTOTUNE)


def _decode(data, where, shape, image_size, channels):
    """Encoded bytes -> uint8 `shape`, or float32 [0, 1] at `image_size` (as `stack_images`).

    Without `channels`, every image must have the first one's channels (and, without
    `image_size`, its size): a mismatch fails naming the file, as `stack_images` refuses it.
    `_problem` makes the same checks in Python.
    """
    header = tf.reduce_any(tf.stack([tf.strings.substr(data, 0, len(m)) == m for m in _MAGIC]))
    named = tf.debugging.Assert(header, ["not a decodable PNG/JPEG/BMP/GIF image:", where])
    with tf.control_dependencies([named]):  # TF's decoder error would not name the file
        image = tf.io.decode_image(data, expand_animations=False)  # (h, w, c), c unknown
    if channels is not None:
        image = _to_channels(image, channels)
    expected = tf.constant(shape if image_size is None else (-1, -1, shape[-1]))
    got = tf.shape(image)
    check = tf.debugging.Assert(
        tf.reduce_all((got == expected) | (expected < 0)),
        [
            "image of another size or channel count than the first one; pass image_size and "
            "channels (--image-size, --channels) to convert:",
            where,
            got,
        ],
    )
    with tf.control_dependencies([check]):
        image = tf.identity(image)
    if image_size is None:
        return tf.ensure_shape(image, shape)
    same = tf.reduce_all(tf.equal(tf.shape(image)[:2], tf.constant(image_size)))
    x = tf.cast(image, tf.float32)
    x = tf.cond(
        same,
        lambda: x / 255.0,
        lambda: tf.clip_by_value(tf.image.resize(x, image_size, antialias=True) / 255.0, 0, 1),
    )
    return tf.ensure_shape(x, shape)


def _to_channels(image, channels):
    """`convert_channels` for an image whose channel count is known only at run time."""
    c = tf.shape(image)[-1]
    if channels == 1:
        return tf.cond(
            c == 1,
            lambda: image,
            lambda: tf.image.rgb_to_grayscale(tf.ensure_shape(image[..., :3], [None, None, 3])),
        )
    return tf.cond(c == 1, lambda: tf.tile(image, [1, 1, 3]), lambda: image[..., :3])


def _index_folder(source, image_size, channels, skip_errors):
    path = Path(source).expanduser()
    files, labels, class_names = list_images(path)
    kept, kept_labels, skipped = [], [], []
    for file, label in zip(files, labels):
        head = _first_bytes(file)
        if head.startswith(_MAGIC):
            kept.append(file)
            kept_labels.append(label)
            continue
        error = (
            f"{file}: not a decodable PNG/JPEG/BMP/GIF image (its first bytes are {head!r}, "
            "no image header)."
        )
        if not skip_errors:
            raise InputError(f"{error} Pass skip_errors=True (--skip-errors) to skip such files.")
        skipped.append(error)
    report_skipped(path, skipped, kept=len(kept), total=len(files))
    first = decode_image_bytes(tf.io.read_file(str(kept[0])), where=str(kept[0]), channels=channels)
    shape = (*(image_size or first.shape[:2]), first.shape[-1])
    info = SourceInfo(
        source=source,
        kind="folder",
        num_examples=len(kept),
        image_shape=tuple(int(d) for d in shape),
        num_classes=len(class_names) if class_names else None,
        class_names=tuple(class_names) if class_names else None,
        skipped=tuple(skipped),
    )
    labels = np.asarray(kept_labels, np.int64) if class_names else None
    return StreamIndex(np.arange(len(kept), dtype=np.int64), labels, info, kept)


def _first_bytes(file, n=8):
    """The first `n` bytes of `file`, through the bare system calls: 5x faster than `open()`
    (60,000 files in 0.6 s against 3.3 s here), which is most of a large folder's index."""
    fd = os.open(file, os.O_RDONLY)
    try:
        return os.read(fd, n)
    finally:
        os.close(fd)


def _index_tfrecords(source, image_size, channels, skip_errors):
    """Counts records and reads labels per file (no image decoding); the first record gives the
    keys and the image shape. Anything unusual goes to the in-memory reader for its errors."""
    from tfgen.data.tfrecord import read_tfrecords

    files = tfrecord_files(source)
    try:
        first = _first_example(files)
        image_key = next(k for k in IMAGE_KEYS if k in first)
        label_key = next((k for k in LABEL_KEYS if k in first), None)
        counts, labels = [], []
        for file in files:
            file_labels = _file_labels(file, label_key)
            counts.append(len(file_labels))
            labels.append(file_labels)
        labels = np.concatenate(labels)
        image = decode_image_bytes(
            first[image_key].bytes_list.value[0], where=f"{files[0]} (record 0)", channels=channels
        )
    except (InputError, StopIteration, IndexError, ValueError, tf.errors.OpError):
        return read_tfrecords(
            source, image_size=image_size, channels=channels, skip_errors=skip_errors
        )
    if label_key is not None and labels.min() < 0:  # some records lack the label
        return read_tfrecords(
            source, image_size=image_size, channels=channels, skip_errors=skip_errors
        )
    shape = (*(image_size or image.shape[:2]), image.shape[-1])
    info = SourceInfo(
        source=source,
        kind="tfrecord",
        num_examples=len(labels),
        image_shape=tuple(int(d) for d in shape),
        num_classes=int(labels.max()) + 1 if label_key else None,
    )
    return StreamIndex(
        np.arange(len(labels), dtype=np.int64),
        labels if label_key else None,
        info,
        files,
        kind_data=(image_key, np.cumsum([0, *counts])[:-1], labels),
    )


def _compression(file):
    return "GZIP" if file.name.endswith(".gz") else ""


def _first_example(files):
    for file in files:
        for record in tf.data.TFRecordDataset(str(file), _compression(file)).take(1):
            return tf.train.Example.FromString(record.numpy()).features.feature
    raise InputError(f"{files[0]}: the TFRecord files hold no records.")


def _file_labels(file, label_key):
    """The file's labels (-1 where missing; all -1 without a label key), one batched pass."""
    ds = tf.data.TFRecordDataset(str(file), _compression(file)).batch(4096)
    if label_key is None:
        return np.concatenate([np.full(len(b), -1, np.int64) for b in ds] or [np.zeros(0, int)])
    spec = {label_key: tf.io.FixedLenFeature([], tf.int64, default_value=-1)}
    ds = ds.map(lambda b: tf.io.parse_example(b, spec)[label_key])
    return np.concatenate([b.numpy() for b in ds] or [np.zeros(0, np.int64)])


def _tfrecord_images(index, indices, decoding, skip_errors, read_log):
    """The records whose global index is in `indices`, shards interleaved, decoded in parallel."""
    ds = _tfrecord_examples(index, indices, decoding, read_log)
    ds = ds.map(lambda i, image, label: (image, label))
    # multi-worker runs shard by element, as for in-memory arrays: sharding by file would give
    # workers unequal shares and break the asserted cardinality
    options = tf.data.Options()
    options.experimental_distribute.auto_shard_policy = tf.data.experimental.AutoShardPolicy.DATA
    ds = ds.with_options(options)
    if skip_errors:
        return ds.ignore_errors()
    return ds.apply(tf.data.experimental.assert_cardinality(len(indices)))


def _tfrecord_examples(index, indices, decoding, read_log=None):
    """(global index, image, label) of the records in `indices`, in interleaved order."""
    image_key, offsets, all_labels = index.kind_data
    wanted = np.zeros(len(all_labels), bool)
    wanted[indices] = True
    wanted, labels = tf.constant(wanted), tf.constant(all_labels)
    files = tf.data.Dataset.from_tensor_slices(
        (
            [str(f) for f in index.files],
            [_compression(f) for f in index.files],
            offsets.astype(np.int64),
        )
    )

    def records(file, compression, offset):
        ds = tf.data.TFRecordDataset(file, compression)
        return ds.enumerate().map(lambda i, r: (i + offset, i, r, file))

    ds = files.interleave(
        records, cycle_length=4, num_parallel_calls=tf.data.AUTOTUNE, deterministic=True
    )
    ds = ds.filter(lambda g, i, r, f: wanted[g])
    spec = {image_key: tf.io.FixedLenFeature([], tf.string)}

    def read(g, i, record, file):
        def decode():
            data = tf.io.parse_single_example(record, spec)[image_key]
            where = tf.strings.join([file, " (record ", tf.strings.as_string(i), ")"])
            return _decode(data, where, *decoding)

        image = read_log.watch(g, decode) if read_log else decode()
        return g, image, labels[g]

    return ds.map(read, num_parallel_calls=tf.data.AUTOTUNE, deterministic=True)


# ---- naming what failed: the read log's checks and scans ------------------------------------

SKIP = "Pass skip_errors=True (--skip-errors) to skip such {}."
CONVERT = (
    "Pass image_size=(H, W) and channels (command line: --image-size H W, --channels C) to "
    "convert every image, or skip_errors=True (--skip-errors) to skip such {}."
)


def _bind_read_log(read_log, index, parts, decoding, skip_errors):
    """Gives `read_log` what it needs to name the examples of `parts` that fail to decode."""
    indices = np.unique(np.concatenate([_part_indices(ds) for ds, _ in parts]))
    records = index.info.kind == "tfrecord"

    def scan():  # the examples that decode: one parallel pass, failures dropped
        if records:
            ds = _tfrecord_examples(index, indices, decoding)
        else:
            part = tf.data.Dataset.from_tensor_slices((indices, np.zeros_like(indices)))
            ds = _folder_examples(index, part, decoding)
        ds = ds.ignore_errors().map(lambda i, image, label: i)
        return np.concatenate([np.zeros(0, np.int64), *(b.numpy() for b in ds.batch(1 << 16))])

    read_log.bind(
        index.info.source,
        indices,
        len(index.kind_data[2]) if records else len(index.files),
        (_record_check if records else _file_check)(index, decoding),
        scan,
        skip_errors=skip_errors,
        noun="record(s)" if records else "image file(s)",
    )


def _file_check(index, decoding):
    """index -> ("file: reason", advice) when the file fails `_decode`, else None."""

    def check(i):
        file = index.files[i]
        try:
            data = Path(file).read_bytes()
        except OSError as e:
            return f"{file}: cannot be read ({e.strerror}).", SKIP.format("files")
        return _problem(data, str(file), str(index.files[0]), decoding, "files")

    return check


def _record_check(index, decoding):
    """global index -> ("file (record i): reason", advice) when the record fails, else None."""
    image_key, offsets, _ = index.kind_data

    def locate(g):
        k = int(np.searchsorted(offsets, g, side="right")) - 1  # the file holding record g
        return index.files[k], int(g - offsets[k])

    def check(g):
        file, i = locate(g)
        raw = next(iter(tf.data.TFRecordDataset(str(file), _compression(file)).skip(i).take(1)))
        feature = tf.train.Example.FromString(raw.numpy()).features.feature.get(image_key)
        values = feature.bytes_list.value if feature is not None else []
        where = f"{file} (record {i})"
        if len(values) != 1:
            return f"{where}: no {image_key!r} feature holding one image.", SKIP.format("records")
        first = "{} (record {})".format(*locate(0))
        return _problem(values[0], where, first, decoding, "records")

    return check


def _problem(data, where, first, decoding, noun):
    """Why `_decode` refuses `data`, found in Python: ("where: reason", advice), or None.

    `first` names the first example, whose size and channels the others must have.
    """
    shape, image_size, channels = decoding
    if not data.startswith(_MAGIC):
        return (
            f"{where}: not a decodable PNG/JPEG/BMP/GIF image (its first bytes are "
            f"{data[:8]!r}, no image header).",
            SKIP.format(noun),
        )
    try:
        image = decode_image_bytes(data, where=where, channels=channels)
    except InputError as e:
        return str(e), SKIP.format(noun)
    except (tf.errors.OpError, ValueError) as e:  # a channel count `_to_channels` refuses too
        return f"{where}: cannot be converted to {channels} channel(s) ({e}).", SKIP.format(noun)
    (h, w, c), (height, width, stored) = image.shape, shape
    if image_size is None and (h, w, c) != tuple(shape):
        return (
            f"{where}: {h}x{w} pixels with {c} channel(s); the first image, {first}, has "
            f"{height}x{width} with {stored}.",
            CONVERT.format(noun),
        )
    if c != stored:
        return (
            f"{where}: {c} channel(s); the first image, {first}, has {stored}.",
            CONVERT.format(noun),
        )
    return None
