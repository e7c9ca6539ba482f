"""The rule for names that become folders (`saved_models/<name>/`), without TensorFlow, so
the command line checks `--name` before TensorFlow loads."""

import re

from tfgen.errors import InputError

_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]*")
_NAME_MAX = 255  # a folder name's limit on common file systems


def check_model_name(name, what="name"):
    """`name` if it is safe as one folder name under `saved_models/`, else InputError.

    Letters, digits, `_`, `-` and `.`; starting with a letter or digit (so no leading dot, and
    TF Serving never mistakes it for a staging folder); no `..`, no separators, no control
    characters. An anchored full match: `re.match(...$)` would let a trailing newline through.

    Raises:
        InputError: anything else, naming `what` and showing the value received.
    """
    if (
        not isinstance(name, str)
        or not _NAME.fullmatch(name)
        or ".." in name
        or len(name) > _NAME_MAX
    ):
        raise InputError(
            f"{what} must start with a letter or digit and hold only letters, digits, '_', '-' "
            f"or '.' (no '..', no path separators, at most {_NAME_MAX} characters). "
            f"Received: {what}={name!r}"
        )
    return name
