"""Argument types and the argument groups several verbs share."""

import argparse
import json

SOURCE_HELP = (
    "'digits', 'fashion_mnist[:test]', 'mnist[:test]', 'tfds:NAME[:SPLIT]', an MNIST IDX folder "
    "(FOLDER:test for its test split), an .npz file, an image folder, or "
    "TFRecord files"
)


def add_data_arguments(parser, required=True, help=SOURCE_HELP):
    """--data plus the options that shape what is read from it."""
    parser.add_argument("--data", required=required, metavar="SOURCE", help=help)
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
