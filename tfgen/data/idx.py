"""MNIST-format IDX files (`*-images-idx3-ubyte[.gz]` with optional `*-labels-idx1-ubyte[.gz]`).

Format (LeCun's MNIST page): 2 zero bytes, a type code, the number of dimensions, then one
big-endian uint32 per dimension and the data in C order.

Splits: in a folder, files named `train-*` form the train split and `t10k-*` (or `test-*`) the
test split. A folder holding both gives the train split unless the test split is asked for
(`FOLDER:test`); the two are never mixed. A folder holding one split (or other prefixes) gives
all its image files.
"""

import gzip
import re
import struct
import zlib
from pathlib import Path

import numpy as np

from tfgen.data.arrays import make_image_arrays
from tfgen.errors import InputError

_TYPE_CODES = {0x08: ">u1", 0x09: ">i1", 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}
_IMAGES_RE = re.compile(r"^(?P<prefix>.+)-images[.-]idx3-ubyte(?P<gz>\.gz)?$")
SPLITS = ("train", "test")
_SPLIT_OF_PREFIX = {"train": "train", "t10k": "test", "test": "test"}


def is_idx_path(path: Path) -> bool:
    """True for an IDX images file, or a folder holding at least one."""
    if path.is_file():
        return bool(_IMAGES_RE.match(path.name))
    return path.is_dir() and any(_IMAGES_RE.match(p.name) for p in path.iterdir())


def read_idx_file(path) -> np.ndarray:
    """Reads one IDX file (optionally gzipped) into an array.

    Raises:
        InputError: not an IDX file, unknown type code, or a size that disagrees with the header.
    """
    path = Path(path)
    try:
        raw = gzip.decompress(path.read_bytes()) if path.suffix == ".gz" else path.read_bytes()
    except (OSError, EOFError, zlib.error) as e:
        raise InputError(f"{path}: cannot read IDX file ({e}).") from e
    if len(raw) < 4 or raw[:2] != b"\x00\x00" or raw[2] not in _TYPE_CODES:
        raise InputError(
            f"{path}: not an IDX file; expected the magic bytes 00 00 <type> <ndim>. "
            f"Received: {raw[:4].hex(' ')}"
        )
    ndim = raw[3]
    header = 4 + 4 * ndim
    dims = struct.unpack(f">{ndim}I", raw[4:header])
    dtype = np.dtype(_TYPE_CODES[raw[2]])
    expected = int(np.prod(dims)) * dtype.itemsize
    if len(raw) - header != expected:
        raise InputError(
            f"{path}: header says shape {dims} ({expected} data bytes) but the file holds "
            f"{len(raw) - header} data bytes; the file is truncated or corrupt."
        )
    return np.frombuffer(raw, dtype, offset=header).reshape(dims)


def idx_splits(folder: Path) -> dict:
    """{"train": [image files], "test": [image files]} of a folder, by file-name prefix.

    Only the splits present are keys; files with other prefixes belong to no split.
    """
    splits = {}
    for p in sorted(folder.iterdir()):
        m = _IMAGES_RE.match(p.name)
        if m and m["prefix"] in _SPLIT_OF_PREFIX:
            splits.setdefault(_SPLIT_OF_PREFIX[m["prefix"]], []).append(p)
    return splits


def read_idx(source, path: Path, split=None):
    """Reads the IDX images at `path` (a file or a folder) with their matching labels.

    Args:
        source: the source string, for messages and `SourceInfo`.
        path: an images file or a folder of them.
        split: "train" or "test": only that split's files (see the module docstring); None
            gives the train split of a folder holding both, else all its image files (several
            are concatenated in name order).

    Raises:
        InputError: a bad split name, a split the folder does not hold, or bad files.
    """
    image_files = _image_files(source, path, split)
    images, labels, with_labels = [], [], []
    for image_file in image_files:
        x = read_idx_file(image_file)
        if x.ndim != 3:
            raise InputError(f"{image_file}: expected 3 dimensions (N, H, W). Received: {x.shape}")
        label_file = _matching_labels(image_file)
        with_labels.append(label_file is not None)
        if label_file is not None:
            y = read_idx_file(label_file)
            if y.shape != (len(x),):
                raise InputError(
                    f"{label_file}: {len(x)} images in {image_file.name} but labels shaped "
                    f"{y.shape}; the counts must match."
                )
            labels.append(y)
        images.append(x)
    if any(with_labels) and not all(with_labels):
        missing = [f.name for f, has in zip(image_files, with_labels) if not has]
        raise InputError(f"{path}: some image files have label files and these do not: {missing}")
    shapes = {x.shape[1:] for x in images}
    if len(shapes) > 1:
        raise InputError(f"{path}: IDX image files have different image sizes: {sorted(shapes)}")
    return make_image_arrays(
        np.concatenate(images),
        np.concatenate(labels) if labels else None,
        source=source,
        kind="idx",
        where=str(path),
    )


def _image_files(source, path, split):
    if split is not None and split not in SPLITS:
        raise InputError(f"{source}: split must be one of {list(SPLITS)}. Received: {split!r}")
    if path.is_file():
        if split is not None:
            raise InputError(
                f"{source}: a split can be chosen only for a folder of IDX files, not for the "
                f"single file {path}. Received: split={split!r}"
            )
        return [path]
    every = sorted(p for p in path.iterdir() if _IMAGES_RE.match(p.name))
    splits = idx_splits(path)
    if split is None:
        return splits["train"] if len(splits) == 2 else every
    if split not in splits:
        held = sorted(splits) or "none (no train-/t10k- file names)"
        raise InputError(
            f"{source}: no {split} split in {path}: expected {split}-images-idx3-ubyte[.gz]"
            f"{' or t10k-images-idx3-ubyte[.gz]' if split == 'test' else ''}. "
            f"Splits it holds: {held}. Received: {[p.name for p in every]}"
        )
    return splits[split]


def _matching_labels(image_file: Path):
    m = _IMAGES_RE.match(image_file.name)
    for sep in ("-", "."):
        for gz in (".gz", ""):
            candidate = image_file.with_name(f"{m['prefix']}-labels{sep}idx1-ubyte{gz}")
            if candidate.exists():
                return candidate
    return None
