"""Shared fixtures: the real MNIST files, fresh Python processes, quiet TensorFlow logs."""

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

REPO = Path(__file__).resolve().parents[1]
MNIST_FILES = ("t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz")


def find_mnist_dir():
    """The real MNIST test split: $TFGEN_MNIST_DIR, ../shared/data/mnist beside the checkout,
    or the workplace's shared copy."""
    candidates = [
        os.environ.get("TFGEN_MNIST_DIR"),
        REPO.parent / "shared/data/mnist",
        "/work/shared/data/mnist",
    ]
    for candidate in filter(None, candidates):
        if all((Path(candidate) / f).is_file() for f in MNIST_FILES):
            return Path(candidate)
    return None


@pytest.fixture(scope="session")
def mnist_dir():
    path = find_mnist_dir()
    if path is None:  # a failure, not a skip: these tests are the proof that models learn
        pytest.fail(
            "the real MNIST IDX files (t10k-images-idx3-ubyte.gz, t10k-labels-idx1-ubyte.gz) were "
            "not found; set TFGEN_MNIST_DIR to the folder holding them."
        )
    return path


FASHION_FILES = ("train-images-idx3-ubyte.gz", "t10k-images-idx3-ubyte.gz")


@pytest.fixture(scope="session")
def fashion_dir():
    """The real Fashion-MNIST IDX files: ../shared/data/fashion-mnist beside the checkout, or
    the workplace's shared copy."""
    for candidate in (
        REPO.parent / "shared/data/fashion-mnist",
        Path("/work/shared/data/fashion-mnist"),
    ):
        if all((candidate / f).is_file() for f in FASHION_FILES):
            return candidate
    pytest.fail(  # a failure, not a skip, as for MNIST: the split sizes are the proof
        "the real Fashion-MNIST IDX files were not found in ../shared/data/fashion-mnist."
    )


def run_python(code, *, cwd=None, timeout=300):
    """Runs `code` in a fresh Python process and returns its stdout; fails the test on error."""
    result = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        capture_output=True,
        text=True,
        cwd=cwd,
        timeout=timeout,
        env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2"},
    )
    if result.returncode != 0:
        pytest.fail(f"fresh process failed ({result.returncode}):\n{result.stderr[-4000:]}")
    return result.stdout


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(config, items):
    """--dist loadgroup (pyproject.toml) keeps the tests marked xdist_group(name) on one worker,
    so a module fixture they share is built once. pytest-xdist 3.8 marks them by appending
    @name to `item._nodeid`, which pytest 9.2 no longer reads (a node id is now `item._id`):
    the marks were ignored and each worker built the fixture. This appends it where pytest 9
    reads it; a no-op once xdist's own suffix takes effect."""
    if not getattr(config.option, "loadgroup", False):
        return
    for item in items:
        names = {str(m.args[0] if m.args else m.kwargs.get("name", "default"))
                 for m in item.iter_markers("xdist_group")}  # fmt: skip
        if not names or "@" in item.nodeid.rpartition("]")[2]:
            continue
        grouped = f"{item.nodeid}@{'_'.join(sorted(names))}"
        try:
            from _pytest.nodes import coerce_node_id
        except ImportError:  # pytest < 9: the node id is _nodeid, which xdist already set
            continue
        item._id = coerce_node_id(grouped)
