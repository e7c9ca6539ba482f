"""NumPy `.npz` archives with images under `x` and optional labels under `y`."""

import zipfile
from pathlib import Path

import numpy as np

from tfgen.data.arrays import make_image_arrays
from tfgen.errors import InputError


def read_npz(source, path: Path):
    """Reads `x` (N, H, W[, C]) and optional `y` (N,) from an `.npz` file.

    Raises:
        InputError: unreadable archive, no `x` key, or values that fail validation.
    """
    try:
        with np.load(path, allow_pickle=False) as archive:
            keys = list(archive.keys())
            if "x" not in keys:
                raise InputError(
                    f"{path}: expected an array named 'x' (and optionally 'y'). "
                    f"Received keys: {keys}"
                )
            x = archive["x"]
            y = archive["y"] if "y" in keys else None
    except (OSError, ValueError, zipfile.BadZipFile, EOFError) as e:
        if isinstance(e, InputError):
            raise
        raise InputError(f"{path}: cannot read .npz file ({e}).") from e
    return make_image_arrays(x, y, source=source, kind="npz", where=str(path))
