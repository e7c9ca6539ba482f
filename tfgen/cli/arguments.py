"""Argument types and the argument groups several verbs share.

The path types (`model_file`, `data_source`, `output_file`, `new_path`) make the cheap checks
the library makes first (the file exists, has the right suffix, the output's folder can be
made), here, at parse time: a wrong path is one line and exit status 2 at once, not after
TensorFlow has loaded. The library still makes every check, for its Python callers.
"""

import argparse
import glob
import json
import os
import zipfile
from pathlib import Path

SOURCE_HELP = (
    "'digits', 'fashion_mnist[:test]', 'mnist[:test]', 'tfds:NAME[:SPLIT]', an MNIST IDX folder "
    "(FOLDER:test for its test split), an .npz file, an image folder, or "
    "TFRecord files"
)


def add_model_argument(parser, help="a saved .keras model"):
    """--model: a saved .keras file, checked before TensorFlow loads."""
    parser.add_argument("--model", required=True, type=model_file, metavar="PATH", help=help)


def add_json_argument(parser, required=True, help="the JSON report to write"):
    """--json: where the command writes its report."""
    parser.add_argument(
        "--json", required=required, type=output_file(".json"), metavar="FILE", help=help
    )


def add_data_arguments(parser, required=True, help=SOURCE_HELP):
    """--data plus the options that shape what is read from it."""
    parser.add_argument("--data", type=data_source, required=required, metavar="SOURCE", help=help)
    parser.add_argument(
        "--classes",
        type=class_list,
        metavar="LABELS",
        help="keep only these labels, e.g. 0-8 or 1,3,5",
    )
    parser.add_argument(
        "--image-size",
        type=positive_int,
        nargs=2,
        metavar=("H", "W"),
        help="resize images to H x W",
    )
    parser.add_argument(
        "--channels", type=int, choices=(1, 3), help="convert images to 1 or 3 channels"
    )
    parser.add_argument(
        "--skip-errors",
        action="store_true",
        help="skip unreadable image files (they are listed) instead of stopping",
    )


def data_options(args):
    """The `load_dataset` options given on the command line (unset ones left out)."""
    options = {
        "classes": args.classes,
        "image_size": args.image_size,
        "channels": args.channels,
        "skip_errors": args.skip_errors or None,
    }
    return {k: v for k, v in options.items() if v is not None}


def parse_assignments(items):
    """["a=1", "b=64,32", "c=relu"] -> {"a": 1, "b": [64, 32], "c": "relu"}."""
    from tfgen.errors import InputError

    values = {}
    for item in items:
        key, sep, text = item.partition("=")
        if not sep or not key:
            raise InputError(f"--set expects KEY=VALUE. Received: {item!r}")
        values[key.strip()] = parse_value(text.strip())
    return values


def parse_value(text):
    """JSON where it parses (1, 0.5, true, [1, 2], null), else Python spellings, a
    comma-separated list, or the plain string."""
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        pass
    python_spellings = {"True": True, "False": False, "None": None}
    if text in python_spellings:
        return python_spellings[text]
    if "," in text:
        return [parse_value(part.strip()) for part in text.split(",") if part.strip()]
    return text


def class_list(text):
    """ "0-8" -> [0, ..., 8]; "1,3,5" -> [1, 3, 5]; "0-2,7" -> [0, 1, 2, 7]."""
    labels = []
    try:
        for part in text.split(","):
            low, _, high = part.strip().partition("-")
            labels += list(range(int(low), int(high or low) + 1))
    except ValueError:
        labels = []
    if not labels or min(labels) < 0:
        raise argparse.ArgumentTypeError(f"expected labels like 0-8 or 1,3,5, received {text!r}")
    return sorted(set(labels))


def positive_int(text):
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a positive integer, received {text!r}")
    return value


def positive_float(text):
    value = _float_or_none(text)
    if value is None or not value > 0:
        raise argparse.ArgumentTypeError(f"expected a number > 0, received {text!r}")
    return value


def fraction(text):
    value = _float_or_none(text)
    if value is None or not 0 <= value < 1:
        raise argparse.ArgumentTypeError(f"expected a fraction in [0, 1), received {text!r}")
    return value


def quantile(text):
    value = _float_or_none(text)
    if value is None or not 0 <= value <= 1:
        raise argparse.ArgumentTypeError(f"expected a quantile in [0, 1], received {text!r}")
    return value


def truncation(text):
    value = _float_or_none(text)
    if value is None or not 0 < value <= 1:
        raise argparse.ArgumentTypeError(f"expected psi in (0, 1], received {text!r}")
    return value


def _float_or_none(text):
    try:
        return float(text)
    except ValueError:
        return None


def psi_list(text):
    """ "1,0.8,0.5" -> [1.0, 0.8, 0.5]: truncations, each in (0, 1]."""
    return _number_list(text, float, lambda v: 0 < v <= 1, "psi values in (0, 1], e.g. 1,0.7,0.4")


def positive_float_list(text):
    """ "0.05,0.1" -> [0.05, 0.1]: numbers, each > 0."""
    return _number_list(
        text, float, lambda v: 0 < v < float("inf"), "numbers > 0, e.g. 0.05,0.1,0.2"
    )


def float_list(text):
    """ "0,0.5,-1" -> [0.0, 0.5, -1.0]: finite numbers."""
    return _number_list(text, float, lambda v: abs(v) < float("inf"), "numbers, e.g. 0,0.5,1")


def index_list(text):
    """ "0,1,2" -> [0, 1, 2]: integers, each >= 0."""
    return _number_list(text, int, lambda v: v >= 0, "integers >= 0, e.g. 0,1,2")


def _number_list(text, convert, valid, expected):
    """Comma-separated values, every one converted and checked; argparse names the option."""
    parts = [part.strip() for part in text.split(",")]
    values, bad = [], []
    for part in parts:
        try:
            value = convert(part)
        except ValueError:
            value = None
        if value is None or not valid(value):
            bad.append(part)
        values.append(value)
    if bad:
        raise argparse.ArgumentTypeError(
            f"expected comma-separated {expected}; {', '.join(map(repr, bad))} "
            f"{'is' if len(bad) == 1 else 'are'} not. Received: {text!r}"
        )
    return values


def model_file(text):
    """A saved model's path: an existing, readable file ending in .keras that is a zip archive
    (what `tfgen.models.load_model` checks before Keras reads it)."""
    path = Path(text)
    if path.suffix != ".keras":
        raise argparse.ArgumentTypeError(
            f"expected a saved model file ending in .keras. Received: {text!r}"
        )
    if not path.is_file():
        raise argparse.ArgumentTypeError(f"{text}: no such model file.")
    if not os.access(path, os.R_OK):
        raise argparse.ArgumentTypeError(f"{text}: the model file is not readable (permissions).")
    if not zipfile.is_zipfile(path):
        raise argparse.ArgumentTypeError(
            f"{text}: cannot load the model: a .keras file is a zip archive and this one is not "
            f"(truncated or not a model file). Received: {path.stat().st_size} bytes."
        )
    return text


# the named sources `tfgen.data` reads without a path (their splits it checks itself)
_NAMED_SOURCES = ("digits", "mnist", "fashion_mnist")


def data_source(text):
    """A data source that may exist: a named dataset, a `tfds:` source, an existing path, an
    existing IDX folder with ':SPLIT', or a glob that matches files. Only a source that surely
    does not exist is refused; `tfgen.data` checks the rest when it reads it."""
    path = Path(text).expanduser()
    folder = Path(text.rpartition(":")[0]).expanduser() if ":" in text else None
    if text and (
        text.partition(":")[0] in _NAMED_SOURCES
        or text.startswith("tfds:")
        or path.exists()
        or (folder is not None and folder.is_dir())
        or (glob.has_magic(text) and glob.glob(os.path.expanduser(text)))
    ):
        return text
    raise argparse.ArgumentTypeError(
        f"data source not found: no such file or folder; expected {SOURCE_HELP}. Received: {text!r}"
    )


def output_file(*suffixes):
    """The type of an output file's option: a path ending in one of `suffixes`, not a folder,
    whose folder exists or can be made (tfgen writes files atomically and makes folders)."""

    def check(text):
        if not text.lower().endswith(suffixes):
            raise argparse.ArgumentTypeError(
                f"expected a file ending in {' or '.join(suffixes)}. Received: {text!r}"
            )
        if Path(text).is_dir():
            raise argparse.ArgumentTypeError(f"{text} is a folder; expected a file path.")
        check_can_create(text)
        return text

    return check


def output_folder(text):
    """A folder tfgen writes into: an existing folder, or a path it can make."""
    if Path(text).exists() and not Path(text).is_dir():
        raise argparse.ArgumentTypeError(f"{text} is a file; expected a folder.")
    check_can_create(text)
    return text


def existing_path(text):
    """A file or folder that exists."""
    if not Path(text).exists():
        raise argparse.ArgumentTypeError(f"{text}: no such file or folder.")
    return text


def new_path(text):
    """A path that does not exist yet and can be made (generated data never overwrites)."""
    if Path(text).exists():
        raise argparse.ArgumentTypeError(
            f"{text} exists; choose a new path (generated data never overwrites)."
        )
    check_can_create(text)
    return text


def check_can_create(text):
    """Refuses a path whose nearest existing ancestor is a file or not writable."""
    ancestor = Path(text).absolute().parent
    while not ancestor.exists():
        ancestor = ancestor.parent
    if not ancestor.is_dir():
        raise argparse.ArgumentTypeError(
            f"cannot create {text}: {ancestor} is a file, not a folder."
        )
    if not os.access(ancestor, os.W_OK | os.X_OK):
        raise argparse.ArgumentTypeError(
            f"cannot create {text}: the folder {ancestor} is not writable."
        )
