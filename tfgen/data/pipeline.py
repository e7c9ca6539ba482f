"""The input pipeline: source -> decode -> map -> cache -> shuffle -> batch -> prefetch."""

import warnings

import numpy as np
import tensorflow as tf

from tfgen.data.arrays import ImageArrays
from tfgen.data.images import convert_channels
from tfgen.data.read_log import ReadLog
from tfgen.data.sources import is_tfds_source, named_not_found, read_arrays, tfds_fallback
from tfgen.data.streaming import StreamIndex, index_source, stream_kind, stream_parts
from tfgen.data.tfds_source import parse_tfds_source, read_tfds
from tfgen.errors import InputError
from tfgen.utils.images import TANH_RANGE

_SUBSETS = (None, "training", "validation", "both")
# Fewer training steps per epoch than this draws a `FewStepsWarning`: 200 images at batch 64
# (3 steps) left a DCGAN collapsed after its epochs, with nothing to say why.
MIN_STEPS_PER_EPOCH = 20


def load_dataset(
    source,
    *,
    batch_size=64,
    pixel_range=TANH_RANGE,
    image_size=None,
    channels=None,
    classes=None,
    validation_split=None,
    subset=None,
    shuffle=True,
    seed=0,
    cache=True,
    drop_remainder=False,
    labels=True,
    skip_errors=False,
    tfds_data_dir=None,
    return_info=False,
    streaming=None,
    read_log=None,
):
    """Turns a source string into a batched `tf.data.Dataset` of images (and labels).

    Args:
        source: "digits", "mnist[:test]", "fashion_mnist[:test]", "tfds:NAME[:SPLIT]", an IDX
            folder/file (FOLDER:test for its test split), an .npz file, an image folder
            or TFRecord files (see `tfgen.data.sources.SOURCE_FORMS`).
        batch_size: images per batch.
        pixel_range: (low, high) that pixels are scaled to: (-1, 1) for tanh generators,
            (0, 1) for autoencoders.
        image_size: (H, W) (or one int for square) to resize to; None keeps the stored size.
        channels: None keeps the stored channels; 1 (grayscale) or 3 (RGB) converts.
        classes: keep only examples whose label is in this list (before any split), e.g.
            range(9) to train an anomaly detector on digits 0-8; needs a labelled source.
        validation_split: fraction held out, as in `keras.utils.image_dataset_from_directory`;
            the split is a seeded permutation, the same on every call with the same seed.
        subset: "training", "validation" or "both" (a tuple); needs `validation_split`.
        shuffle: reshuffle each epoch (seeded).
        seed: seeds the split and the shuffle.
        cache: True caches decoded images in memory, a string caches to that file, False not.
        drop_remainder: drop the last partial batch of the training data (GAN steps then keep
            static shapes); validation data always keeps every example.
        labels: yield (images, labels) when the source has labels; False yields images only.
        skip_errors: skip unreadable files instead of failing (each is reported).
        tfds_data_dir: TFDS data folder (default: TFDS's own).
        return_info: also return the source's `SourceInfo`.
        streaming: None streams image folders and TFRecord files (tf.data reads and decodes
            them in parallel, see `tfgen.data.streaming`; cached in memory only when the
            decoded images fit `CACHE_BUDGET_BYTES`); False reads every source into memory.
        read_log: a `tfgen.data.ReadLog` that records which streamed examples fail to decode
            while the dataset is read, so they can be named (`failed`, `explain`); left empty
            by a source that is read into memory, whose errors are raised here.

    Returns:
        The dataset (a (training, validation) tuple for subset="both"), plus the `SourceInfo`
        when `return_info`.

    Raises:
        InputError: bad arguments or unreadable data; the message names what was wrong.

    Example:
        train, val = load_dataset("digits", validation_split=0.1, subset="both")
    """
    _check_args(batch_size, pixel_range, validation_split, subset, channels, classes)
    image_size = _as_size(image_size)
    fallback = tfds_fallback(source)  # a named dataset with no local copy of its split
    if is_tfds_source(source) or fallback:
        try:
            parts, info = _tfds_parts(fallback or source, validation_split, subset, tfds_data_dir)
        except InputError as e:
            if fallback is None:
                raise
            raise named_not_found(source, e) from e
        _check_labelled(info, classes)
        _check_tfds_classes(info, classes)
        parts = [(_keep_classes(ds, classes), training) for ds, training in parts]
        buffer = 10_000
    else:
        read = index_source if streaming is not False and stream_kind(source) else read_arrays
        arrays = read(source, image_size=image_size, channels=channels, skip_errors=skip_errors)
        stream = arrays if isinstance(arrays, StreamIndex) else None
        _check_labelled(arrays.info, classes)
        arrays = select_classes(arrays, classes)
        parts, info = _array_parts(arrays, validation_split, subset, seed), arrays.info
        buffer = len(arrays.images)
    if drop_remainder:
        _check_full_batch(parts, batch_size, source, classes, validation_split)
    if not is_tfds_source(source) and stream is not None:  # indices -> images read from files
        parts, cache, buffer = stream_parts(
            stream,
            parts,
            count=buffer,
            image_size=image_size,
            channels=channels,
            shuffle=shuffle,
            seed=seed,
            skip_errors=skip_errors,
            cache=cache,
            read_log=read_log,
        )
    keep_labels = labels and info.has_labels
    datasets = tuple(
        _pipeline(
            ds,
            keep_labels,
            pixel_range,
            image_size,
            channels,
            cache,
            shuffle and training,
            buffer,
            seed,
            batch_size,
            drop_remainder and training,
        )
        for ds, training in parts
    )
    result = datasets if subset == "both" else datasets[0]
    return (result, info) if return_info else result


def load_examples(
    source,
    *,
    pixel_range,
    seed=0,
    validation_split=None,
    subset=None,
    return_info=False,
    streaming=False,
    **options,
):
    """All images (and labels, or None) of `source` as NumPy arrays, in file order.

    Takes the options of `load_dataset`; with `validation_split` and `subset`, the same
    seeded split it gives. With `return_info`, also the source's `SourceInfo`.

    Args:
        streaming: False reads the source into memory, in file order. None streams folders
            and TFRecords as `load_dataset` (and so training) does: a seeded split then holds
            the examples a training run's did also when files fail only when decoded (the
            streamed index keeps them, so they drop out after the split; the in-memory reader
            drops them before it, and the split shifts). Such a file is then named in an
            `InputError`, or with `skip_errors` logged as skipped.
    """
    read_log = ReadLog()
    ds, info = load_dataset(
        source,
        batch_size=1024,
        pixel_range=pixel_range,
        shuffle=False,
        seed=seed,
        validation_split=validation_split,
        subset=subset,
        return_info=True,
        streaming=streaming,
        read_log=read_log,
        **options,
    )
    batches = _read_all(ds, read_log)
    if not batches:  # a TFDS class filter can leave nothing; arrays are checked before
        raise InputError(
            f"{source}: no example is left after the class filter. "
            f"Received: classes={options.get('classes')}"
        )
    if not isinstance(batches[0], tuple):
        arrays = np.concatenate([b.numpy() for b in batches]), None
    else:
        arrays = (
            np.concatenate([x.numpy() for x, _ in batches]),
            np.concatenate([y.numpy() for _, y in batches]),
        )
    return (*arrays, info) if return_info else arrays


def _read_all(ds, read_log):
    """Every batch of `ds`; a streamed file that fails to decode is named, skipped ones logged."""
    try:
        batches = list(ds)
    except tf.errors.OpError as e:
        error = read_log.explain(e)
        if error is None:
            raise
        raise error from e
    read_log.report()
    return batches


def to_model_pixels(image, pixel_range, image_size=None, channels=None):
    """Maps one uint8 [0, 255] or float [0, 1] image to float32 in `pixel_range`.

    The same function serves training and serving-time preprocessing.
    """
    x = convert_channels(tf.image.convert_image_dtype(image, tf.float32), channels)  # uint8: /255
    if image_size is not None and tuple(x.shape[-3:-1]) != tuple(image_size):
        x = tf.clip_by_value(tf.image.resize(x, image_size, antialias=True), 0.0, 1.0)
    low, high = pixel_range
    return low + (high - low) * x


def select_classes(arrays, classes):
    """The examples of `arrays` whose label is in `classes` (all of them for None).

    Raises:
        InputError: a label in `classes` that no example has (a typo would otherwise go
            unnoticed).
    """
    if classes is None:
        return arrays
    present = np.unique(arrays.labels).tolist()
    missing = sorted(set(classes) - set(present))
    if missing:
        raise InputError(
            f"classes must be labels that {arrays.info.source} holds: "
            f"{_label_ranges(present)}; no example has label(s) {missing}. "
            f"Received: classes={_label_ranges(sorted(set(classes)))}"
        )
    keep = np.isin(arrays.labels, list(classes))
    return ImageArrays(arrays.images[keep], arrays.labels[keep], arrays.info)


def _label_ranges(labels):
    """[0, 1, 2, 3, 7] -> "0-3,7" (the --classes spelling)."""
    runs = []
    for label in labels:
        if runs and label == runs[-1][1] + 1:
            runs[-1][1] = label
        else:
            runs.append([label, label])
    return ",".join(str(a) if a == b else f"{a}-{b}" for a, b in runs)


def _check_tfds_classes(info, classes):
    """TFDS labels are 0..num_classes-1 (a ClassLabel); checked without reading the data."""
    if classes is None or info.num_classes is None:
        return
    missing = sorted(c for c in set(classes) if not 0 <= c < info.num_classes)
    if missing:
        raise InputError(
            f"classes must be labels that {info.source} holds: 0-{info.num_classes - 1}; "
            f"no example has label(s) {missing}. "
            f"Received: classes={_label_ranges(sorted(set(classes)))}"
        )


def _check_full_batch(parts, batch_size, source, classes, validation_split):
    """With drop_remainder, fewer training examples than batch_size would leave zero batches."""
    for ds, training in parts:
        count = int(ds.cardinality())  # unknown (< 0) after a TFDS class filter
        if training and 0 <= count < batch_size:
            after = [
                what
                for what, given in (
                    ("the validation split", validation_split),
                    ("the class filter", classes is not None),
                )
                if given
            ]
            raise InputError(
                f"batch_size must be at most the number of training examples: {source} has "
                f"{count} training example(s){' after ' + ' and '.join(after) if after else ''}, "
                "and training drops the last partial batch, so no batch would remain. "
                f"{_smaller_batch_fix(count)} Received: batch_size={batch_size}"
            )


class FewStepsWarning(UserWarning):
    """An epoch makes so few training steps that the model barely trains (see
    `MIN_STEPS_PER_EPOCH`)."""


def check_steps_per_epoch(steps, *, batch_size=None, examples=None, who="the model"):
    """Refuses an epoch of no step and warns (once per case) of one of fewer than
    `MIN_STEPS_PER_EPOCH`, naming the numbers and the fix: a smaller batch size.

    Args:
        steps: training steps per epoch (batches); None when unknown (nothing is checked).
        batch_size, examples: what the numbers come from, where known (named in the message).
        who: the model, as the message names it.

    Raises:
        InputError: `steps` is 0: the data holds no (full) batch.
    """
    if steps is None or steps >= MIN_STEPS_PER_EPOCH:
        return
    if steps == 0:
        raise InputError(
            f"{who} got no training batch: its data yields no full batch"
            f"{f' of {batch_size}' if batch_size else ''} (fewer examples than the batch "
            "size, and the partial batch is dropped: drop_remainder). "
            f"{_smaller_batch_fix(examples)} Received: batch_size={batch_size}"
        )
    batches = f"batches of {batch_size}" if batch_size else "its batches"
    if examples is not None:
        batches = f"{examples} training example(s) in {batches}"
    examples = examples if examples is not None else steps * batch_size if batch_size else None
    warnings.warn(
        f"{who} trains only {steps} step(s) per epoch ({batches}): too few updates per epoch "
        f"to learn much (GANs collapse on such runs). "
        f"{_smaller_batch_fix(examples, MIN_STEPS_PER_EPOCH)}",
        FewStepsWarning,
        stacklevel=3,
    )


def _smaller_batch_fix(examples, steps=1):
    """The fix for too few batches, with the batch size that gives `steps` of them."""
    if not examples:
        return "Use a smaller batch size (tfgen train --batch-size N; batch_size= in Python)."
    size = max(1, examples // steps)
    return (
        f"Use a batch size of at most {size}: tfgen train --batch-size {size}, or "
        f"batch_size={size} in tfgen.data.load_dataset / fit."
    )


def _keep_classes(ds, classes):
    if classes is None:
        return ds
    wanted = tf.constant(sorted(classes), tf.int64)
    return ds.filter(lambda image, label: tf.reduce_any(tf.equal(label, wanted)))


def _check_labelled(info, classes):
    if classes is not None and not info.has_labels:
        raise InputError(
            f"{info.source}: classes={list(classes)} needs labels; the source has none."
        )


def is_cached(ds):
    """Whether `ds` reads through a `cache()` (in memory or to a file), judged from its graph."""
    try:
        graph = tf.compat.v1.GraphDef.FromString(ds._as_serialized_graph().numpy())
    except (AttributeError, tf.errors.OpError):  # a private API: assume cached, as before
        return True
    return any(node.op.startswith("CacheDataset") for node in graph.node)


def _pipeline(
    ds,
    keep_labels,
    pixel_range,
    image_size,
    channels,
    cache,
    shuffle,
    buffer,
    seed,
    batch_size,
    drop_remainder,
):
    def to_element(image, label):
        x = to_model_pixels(image, pixel_range, image_size, channels)
        return (x, label) if keep_labels else x

    ds = ds.map(to_element, num_parallel_calls=tf.data.AUTOTUNE)
    if cache:
        ds = ds.cache(cache if isinstance(cache, str) else "")
    if shuffle:
        ds = ds.shuffle(buffer, seed=seed, reshuffle_each_iteration=True)
    return ds.batch(batch_size, drop_remainder=drop_remainder).prefetch(tf.data.AUTOTUNE)


def _array_parts(arrays, validation_split, subset, seed):
    """Returns [(dataset of (image, label), is_training)] for the requested subsets."""
    n = len(arrays.images)
    labels = arrays.labels if arrays.labels is not None else np.full(n, -1, np.int64)
    if not validation_split:
        return [(tf.data.Dataset.from_tensor_slices((arrays.images, labels)), True)]
    order = np.random.default_rng(seed).permutation(n)
    n_val = int(validation_split * n)
    if n_val == 0 or n_val == n:
        side = "validation" if n_val == 0 else "training"
        raise InputError(
            f"validation_split must keep at least one example on each side: {arrays.info.source} "
            f"has {n} example(s){' after the class filter' if n < arrays.info.num_examples else ''}"
            f", which leaves the {side} subset empty. Received: validation_split={validation_split}"
        )
    split = {"training": (order[n_val:], True), "validation": (order[:n_val], False)}
    names = ["training", "validation"] if subset == "both" else [subset]
    return [
        (
            tf.data.Dataset.from_tensor_slices((arrays.images[split[s][0]], labels[split[s][0]])),
            split[s][1],
        )
        for s in names
    ]


def _tfds_parts(source, validation_split, subset, data_dir):
    """TFDS splits by its own slicing syntax, so nothing is read into memory."""
    _, split = parse_tfds_source(source)
    if not validation_split:
        ds, info = read_tfds(source, data_dir=data_dir)
        return [(ds, True)], info
    percent = validation_split * 100
    if abs(percent - round(percent)) > 1e-9:
        raise InputError(
            f"validation_split for a tfds: source must be a whole percentage (TFDS slicing). "
            f"Received: validation_split={validation_split}"
        )
    cut = 100 - round(percent)
    slices = {"training": (f"{split}[:{cut}%]", True), "validation": (f"{split}[{cut}%:]", False)}
    names = ["training", "validation"] if subset == "both" else [subset]
    parts, info = [], None
    for name in names:
        ds, info = read_tfds(source, split=slices[name][0], data_dir=data_dir)
        parts.append((ds, slices[name][1]))
    return parts, info


def _check_args(batch_size, pixel_range, validation_split, subset, channels, classes):
    if not isinstance(batch_size, int) or isinstance(batch_size, bool) or batch_size < 1:
        raise InputError(
            f"batch_size must be a positive integer. Received: batch_size={batch_size!r}"
        )
    if len(pixel_range) != 2 or not pixel_range[0] < pixel_range[1]:
        raise InputError(
            f"pixel_range must be (low, high) with low < high. Received: {pixel_range!r}"
        )
    if subset not in _SUBSETS:
        raise InputError(f"subset must be one of {_SUBSETS}. Received: subset={subset!r}")
    if validation_split is not None and not 0 < validation_split < 1:
        raise InputError(
            f"validation_split must be in (0, 1). Received: validation_split={validation_split!r}"
        )
    if bool(validation_split) != (subset is not None):
        raise InputError(
            "validation_split and subset go together (as in Keras): pass both or neither. "
            f"Received: validation_split={validation_split!r}, subset={subset!r}"
        )
    if channels not in (None, 1, 3):
        raise InputError(f"channels must be None, 1 or 3. Received: channels={channels!r}")
    if classes is not None:
        labels = list(classes) if isinstance(classes, (list, tuple, range, set)) else None
        valid = labels and all(
            isinstance(c, (int, np.integer)) and not isinstance(c, bool) and c >= 0 for c in labels
        )
        if not valid:
            raise InputError(
                "classes must be a non-empty list of labels (integers >= 0), e.g. range(9). "
                f"Received: classes={classes!r}"
            )


def _as_size(image_size):
    if image_size is None:
        return None
    size = (image_size, image_size) if isinstance(image_size, int) else tuple(image_size)
    if len(size) != 2 or not all(isinstance(s, int) and s > 0 for s in size):
        raise InputError(f"image_size must be an int or (height, width). Received: {image_size!r}")
    return size
