"""Atomic file writes: a reader sees the old file or the new one, never half of one."""

import contextlib
import json
import os
import tempfile
from pathlib import Path


@contextlib.contextmanager
def atomic_path(path):
    """Yields a temporary path beside `path`; on success it is renamed onto `path`.

    The temporary file lives in the same folder so the final `os.replace` is atomic on POSIX.
    On any exception the temporary file is removed and `path` is left untouched.

    Example:
        with atomic_path("model.keras") as tmp:
            model.save(tmp)
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(
        prefix=f".{path.stem}.", suffix=f".tmp{path.suffix}", dir=path.parent
    )
    os.close(fd)
    try:
        yield tmp
        os.chmod(tmp, 0o644)  # mkstemp makes 0600; others (e.g. a model server) must read it
        with open(tmp, "rb") as f:  # on disk before the rename, so a power cut cannot expose
            os.fsync(f.fileno())  # a renamed but empty file
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)


def write_bytes_atomic(path, data: bytes):
    with atomic_path(path) as tmp, open(tmp, "wb") as f:
        f.write(data)


def write_json_atomic(path, obj):
    write_bytes_atomic(path, (json.dumps(obj, indent=2, sort_keys=True) + "\n").encode())
