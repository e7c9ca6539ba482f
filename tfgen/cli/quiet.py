"""TensorFlow without its start-up chatter, unless `--verbose`.

What TensorFlow prints on its own, measured with TF 2.21 on a CPU-only machine, and how each
is silenced:

- C++ log lines at import, before absl's logging is initialised (absl then prints everything,
  whatever the level): "WARNING: All log messages before absl::InitializeLog() is called are
  written to STDERR" and "cudart_stub.cc:31] Could not find cuda drivers". No setting reaches
  them, so the file descriptor 2 points at /dev/null while `tensorflow` is first imported.
- C++ log lines once TensorFlow runs ("cpu_feature_guard.cc ... rebuild TensorFlow with the
  appropriate compiler flags", "failed call to cuInit: ... (303)"): TF_CPP_MIN_LOG_LEVEL=3.
- TensorFlow's Python logger (deprecation notes, retracing warnings): level ERROR.

Environment variables are set only where the user has not set them. Devices are left alone
(no CUDA_VISIBLE_DEVICES): a GPU is found and used as before; only the lines are gone.
"""

import contextlib
import importlib.abc
import importlib.util
import logging
import os
import sys

QUIET_ENVIRONMENT = {"TF_CPP_MIN_LOG_LEVEL": "3"}
_QUIET_LOGGERS = ("tensorflow", "absl")


def quiet_tensorflow():
    """Silences TensorFlow's start-up and C++ logging in this process (and the processes it
    starts, which inherit the environment); a no-op for what is already imported."""
    for name, value in QUIET_ENVIRONMENT.items():
        os.environ.setdefault(name, value)
    if "tensorflow" in sys.modules:
        return
    if not any(isinstance(finder, _QuietFirstImport) for finder in sys.meta_path):
        sys.meta_path.insert(0, _QuietFirstImport("tensorflow"))


class _QuietFirstImport(importlib.abc.MetaPathFinder):
    """Finds `name` with the other finders and runs its first import with stderr (the file
    descriptor, which C++ writes to) sent to /dev/null; then steps out of the way."""

    def __init__(self, name):
        self.name = name

    def find_spec(self, fullname, path, target=None):
        if fullname != self.name:
            return None
        sys.meta_path.remove(self)
        spec = importlib.util.find_spec(fullname)
        if spec is not None and spec.loader is not None:
            spec.loader = _QuietLoader(spec.loader)
        return spec


class _QuietLoader(importlib.abc.Loader):
    def __init__(self, loader):
        self.loader = loader

    def create_module(self, spec):
        return self.loader.create_module(spec)

    def exec_module(self, module):
        with _stderr_to_devnull():
            self.loader.exec_module(module)
        for name in _QUIET_LOGGERS:
            logging.getLogger(name).setLevel(logging.ERROR)


@contextlib.contextmanager
def _stderr_to_devnull():
    """File descriptor 2 on /dev/null for the block; restored before an exception leaves it,
    so an import error is still printed."""
    sys.stderr.flush()
    saved = os.dup(2)
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, 2)
        yield
    finally:
        sys.stderr.flush()
        os.dup2(saved, 2)
        os.close(saved)
        os.close(devnull)
