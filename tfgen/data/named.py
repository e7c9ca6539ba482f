"""Named datasets: `mnist[:train|:test]` and `fashion_mnist[:train|:test]` (default: train).

The official IDX gz files (`train-images-idx3-ubyte.gz`, `train-labels-idx1-ubyte.gz`,
`t10k-images-idx3-ubyte.gz`, `t10k-labels-idx1-ubyte.gz`) are looked for, in this order, in:

1. `$TFGEN_DATA_DIR/<folder>/` (for Fashion-MNIST either `fashion-mnist` or `fashion_mnist`);
2. the Debian package's folder, `/usr/share/datasets/<folder>/`
   (`apt-get install dataset-fashion-mnist`);
3. `shared/data/<folder>/` in the current directory or any folder above it, then in the folder
   holding the installed `tfgen` package or any folder above it (so a checkout next to a
   `shared/data` folder finds it);

and the first folder holding the split's image file is used. If none does, TFDS
(`tfds:<name>:<split>`) is tried, which downloads where the network allows.
"""

import os
from pathlib import Path

from tfgen.data.idx import SPLITS
from tfgen.errors import InputError

# name -> (folder spellings, TFDS name, Debian package)
NAMED_DATASETS = {
    "mnist": (("mnist",), "mnist", None),
    "fashion_mnist": (("fashion-mnist", "fashion_mnist"), "fashion_mnist", "dataset-fashion-mnist"),
}
_IMAGE_FILE = {"train": "train-images-idx3-ubyte.gz", "test": "t10k-images-idx3-ubyte.gz"}
SYSTEM_DIR = Path("/usr/share/datasets")


def parse_named_source(source):
    """(name, split) for "mnist", "fashion_mnist:test", ...; None for any other source.

    Raises:
        InputError: a named dataset with a split other than train or test.
    """
    if not isinstance(source, str):
        return None
    name, sep, split = source.partition(":")
    name = name.replace("-", "_")
    if name not in NAMED_DATASETS:
        return None
    if sep and split not in SPLITS:
        raise InputError(
            f"{name}: the split must be one of {list(SPLITS)} (as in '{name}:test'). "
            f"Received: {source!r}"
        )
    return name, split or "train"


def candidate_folders(name):
    """Every folder looked in for named dataset `name`, in search order."""
    spellings = NAMED_DATASETS[name][0]
    folders = []
    data_dir = os.environ.get("TFGEN_DATA_DIR")
    if data_dir:
        folders += [Path(data_dir).expanduser() / s for s in spellings]
    folders += [SYSTEM_DIR / spellings[0]]
    for start in search_starts():
        for parent in (start, *start.parents):
            folders += [parent / "shared" / "data" / s for s in spellings]
    unique = []
    for folder in folders:
        if folder not in unique:
            unique.append(folder)
    return unique


def search_starts():
    """Where the walk up for `shared/data/<folder>` starts: the working directory, then the
    folder holding the `tfgen` package."""
    return [Path.cwd().resolve(), Path(__file__).resolve().parents[2]]


def find_named(name, split):
    """(the first folder holding `split`'s image file or None, every folder looked in)."""
    places = candidate_folders(name)
    for folder in places:
        if (folder / _IMAGE_FILE[split]).is_file():
            return folder, places
    return None, places


def tfds_source(name, split):
    return f"tfds:{NAMED_DATASETS[name][1]}:{split}"


def not_found_error(source, name, split, places, tfds_error):
    """The InputError for a named dataset found nowhere: every place looked in, and the fixes."""
    package = NAMED_DATASETS[name][2]
    install = f"`apt-get install {package}` (into {SYSTEM_DIR}), " if package else ""
    folder = NAMED_DATASETS[name][0][0]
    return InputError(
        f"{source}: the {split} split of {name} was not found: no {_IMAGE_FILE[split]} in "
        f"{', '.join(str(p) for p in places)}; and TFDS failed ({tfds_error}). To get it: "
        f"{install}put the official IDX gz files in $TFGEN_DATA_DIR/{folder}/, or use TFDS "
        f"(tfds:{NAMED_DATASETS[name][1]}) on a machine with network."
    )
