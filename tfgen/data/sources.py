"""Turns a source string into images: which reader handles which string."""

from pathlib import Path

from tfgen.data.digits import read_digits
from tfgen.data.folder import read_image_folder
from tfgen.data.idx import SPLITS, idx_splits, is_idx_path, read_idx
from tfgen.data.named import find_named, not_found_error, parse_named_source, tfds_source
from tfgen.data.npz import read_npz
from tfgen.data.tfrecord import is_tfrecord_path, read_tfrecords
from tfgen.errors import InputError

SOURCE_FORMS = (
    "'digits' (scikit-learn's bundled 8x8 digits), 'mnist[:train|:test]', "
    "'fashion_mnist[:train|:test]', 'tfds:NAME[:SPLIT]', a folder of MNIST IDX files "
    "(FOLDER:test for its t10k- split), an .npz file with 'x' (and 'y'), an image folder "
    "(flat or one subfolder per class), "
    "or TFRecord files (a file, a glob, or a folder of *.tfrecord*)"
)


def is_tfds_source(source: str) -> bool:
    return source.startswith("tfds:")


def tfds_fallback(source):
    """The `tfds:` source a named dataset falls back to when no local copy holds its split
    (None when the source is not named or is found locally)."""
    named = parse_named_source(source)
    if named is None or find_named(*named)[0] is not None:
        return None
    return tfds_source(*named)


def named_not_found(source, tfds_error):
    """The error for named `source` found neither locally nor with TFDS (`tfds_error`)."""
    name, split = parse_named_source(source)
    _, places = find_named(name, split)
    return not_found_error(source, name, split, places, tfds_error)


def official_test_split(source):
    """The source of `source`'s test split, when `source` is the train split of a source that
    has one: "fashion_mnist" -> "fashion_mnist:test", an IDX folder holding train- and t10k-
    files (or "FOLDER:train") -> "FOLDER:test". None for any other source (TFDS sources
    included: their splits are not probed).

    Raises:
        InputError: a named dataset with a bad split.
    """
    named = parse_named_source(source)
    if named is not None:
        return f"{source.partition(':')[0]}:test" if named[1] == "train" else None
    if not isinstance(source, str) or is_tfds_source(source):
        return None
    folder = source[: -len(":train")] if source.endswith(":train") else source
    path = Path(folder).expanduser()
    if path.is_dir() and is_idx_path(path) and {"train", "test"} <= set(idx_splits(path)):
        return f"{folder}:test"
    return None


def read_arrays(source: str, *, image_size=None, channels=None, skip_errors=False):
    """Reads any non-TFDS source fully into memory, validated.

    Returns:
        ImageArrays (images uint8 or float32 in [0, 1], shape (N, H, W, C); labels or None).

    Raises:
        InputError: the source does not exist or cannot be read; the message names the file.
    """
    if not isinstance(source, str) or not source:
        raise InputError(
            f"data source must be a non-empty string: {SOURCE_FORMS}. Received: {source!r}"
        )
    if source == "digits":
        return read_digits(source)
    named = parse_named_source(source)
    if named is not None:
        folder, _ = find_named(*named)
        if folder is None:
            raise named_not_found(source, "not tried: reading fully into memory is local only")
        return read_idx(source, folder, split=named[1])
    path = Path(source).expanduser()
    folder, _, split = source.rpartition(":")
    if not path.exists() and folder and is_idx_path(Path(folder).expanduser()):
        if split not in SPLITS:
            raise InputError(
                f"{source}: after an IDX folder, ':SPLIT' must be one of {list(SPLITS)} "
                f"(as in '{folder}:test'). Received: split={split!r}"
            )
        return read_idx(source, Path(folder).expanduser(), split=split)
    if is_tfrecord_path(source):
        return read_tfrecords(
            source, image_size=image_size, channels=channels, skip_errors=skip_errors
        )
    if not path.exists():
        raise InputError(f"data source not found: expected {SOURCE_FORMS}. Received: {source!r}")
    if path.is_file() and path.suffix == ".npz":
        return read_npz(source, path)
    if is_idx_path(path):
        return read_idx(source, path)
    if path.is_dir():
        return read_image_folder(
            source, path, image_size=image_size, channels=channels, skip_errors=skip_errors
        )
    raise InputError(f"{source}: unsupported file; expected {SOURCE_FORMS}.")
