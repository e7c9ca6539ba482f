"""Atomic file writes (a reader sees the old file or the new one, never half of one), an
exclusive lock on a folder, and the removal of temporaries that killed writers left behind."""

import contextlib
import fcntl
import json
import os
import shutil
import tempfile
import time
from pathlib import Path

from tfgen.errors import InputError

# what `atomic_path` leaves if its process dies before the rename: .<stem>.<random>.tmp<suffix>
ATOMIC_TEMPORARIES = (".*.tmp*",)
LOCK_FILE = ".tfgen.lock"


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
    fd, tmp = tempfile.mkstemp(  # matches ATOMIC_TEMPORARIES
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


@contextlib.contextmanager
def locked_folder(folder, purpose="run", wait=False):
    """Holds an exclusive OS lock on `folder` (creating it) for the duration of the block.

    The lock is `fcntl.flock` on `folder/.tfgen.lock`, held by an open file descriptor: the
    kernel releases it when the process exits in any way, SIGKILL included, so a dead holder
    never leaves the folder locked. The holder's PID is written into the file for the message
    a second process gets. The file itself is left in place (unlinking a lock file races with
    a process that has just opened it), except when the block fails in a folder this call
    created and nothing but the lock is in it: a refused run leaves nothing behind. Local file
    systems only: flock over NFS may not exclude.

    Args:
        folder: the folder to lock.
        purpose: what holds it, for the message ("run", "export").
        wait: block until the holder releases the lock instead of refusing at once.

    Raises:
        InputError: another process holds the lock (and `wait` is False); the message names
            the folder and its PID.

    Example:
        with locked_folder("runs/dcgan"):
            ...  # nobody else writes here meanwhile
    """
    folder = Path(folder)
    created = not folder.exists()
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / LOCK_FILE
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | (0 if wait else fcntl.LOCK_NB))
        except BlockingIOError:
            raise InputError(
                f"{folder} is in use by another tfgen {purpose} (PID {_holder(path)}); "
                f"wait for it to finish or use another folder (lock: {path})."
            ) from None
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode())
        try:
            yield path
        except BaseException:
            if created and [p.name for p in folder.iterdir()] == [LOCK_FILE]:
                path.unlink()
                folder.rmdir()
            raise
        os.ftruncate(fd, 0)  # still held: nobody reads a PID that is gone
    finally:
        os.close(fd)  # releases the lock


def _holder(path):
    """The PID written in lock file `path` ("unknown" if the holder has not written it yet)."""
    for _ in range(10):  # the holder writes its PID just after taking the lock
        text = path.read_text().strip() if path.exists() else ""
        if text:
            return text
        time.sleep(0.05)
    return "unknown"


def remove_stale_temporaries(folder, patterns=ATOMIC_TEMPORARIES):
    """Removes what killed writers left in `folder` (not its subfolders): the files and
    folders whose names match any of `patterns` (globs, e.g. ".staging-*").

    Call it only while holding `locked_folder(folder)`: a live writer's temporary file matches
    the same patterns.

    Returns:
        The sorted names removed.
    """
    removed = set()
    for pattern in patterns:
        for path in Path(folder).glob(pattern):
            if path.is_dir() and not path.is_symlink():
                shutil.rmtree(path, ignore_errors=True)
            else:
                path.unlink(missing_ok=True)
            removed.add(path.name)
    return sorted(removed)
