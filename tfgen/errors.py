"""Errors tfgen raises for input it cannot use."""


class InputError(ValueError):
    """A file, argument or value that tfgen cannot use as given.

    The message names the argument or file, says what was expected and shows what was received,
    so the command line can print it as is (exit status 2) and Python callers can catch it as a
    `ValueError`.
    """
