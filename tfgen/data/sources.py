"""Turns a source string into images: which reader handles which string."""

from pathlib import Path

from tfgen.data.digits import read_digits
from tfgen.data.folder import read_image_folder
from tfgen.data.idx import is_idx_path, read_idx
from tfgen.data.npz import read_npz
from tfgen.data.tfrecord import is_tfrecord_path, read_tfrecords
from tfgen.errors import InputError

SOURCE_FORMS = (
    "'digits' (scikit-learn's bundled 8x8 digits), 'tfds:NAME[:SPLIT]', a folder of MNIST IDX "
    "files, an .npz file with 'x' (and 'y'), an image folder (flat or one subfolder per class), "
    "or TFRecord files (a file, a glob, or a folder of *.tfrecord*)"
)


def is_tfds_source(source: str) -> bool:
    return source.startswith("tfds:")


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
    path = Path(source).expanduser()
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
