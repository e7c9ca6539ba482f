"""The `tfgen` program: one parser with a sub-command per verb, and the error contract (a
bad input is one line on stderr and exit status 2, never a traceback).

One module per verb; TensorFlow is imported only once a command runs, after the checks that
need no TensorFlow, so `--help`, `--version`, `pipeline list` and argument errors answer at
once. TensorFlow's own log lines are silenced unless `--verbose` (see `tfgen.cli.quiet`).
"""

import argparse
import sys

from tfgen.cli import (
    attack,
    completion,
    detect,
    evaluate,
    export,
    generate,
    latent,
    pipeline,
    sample,
    train,
)
from tfgen.cli.quiet import quiet_tensorflow

VERBS = (train, sample, export, evaluate, latent, generate, detect, attack, pipeline, completion)


def main(argv=None):
    parser = build_parser()
    args = parser.parse_args(argv)
    if not args.verbose:
        quiet_tensorflow()
    from tfgen.errors import InputError

    try:
        return args.run(args) or 0
    except InputError as e:
        parser.exit(2, f"tfgen {args.command}: error: {e}\n")
    except Exception as e:
        # tfgen.callbacks (and TensorFlow) only loaded if training ran: a bad setting is
        # refused before TensorFlow loads
        callbacks = sys.modules.get("tfgen.callbacks")
        if callbacks is not None and isinstance(e, callbacks.TrainingDiverged):
            parser.exit(1, f"tfgen {args.command}: {e}\n")
        raise


class Parser(argparse.ArgumentParser):
    """An argument error is one line, "tfgen VERB: error: ...", without the usage block
    (`--help` shows it); exit status 2 as argparse's."""

    def error(self, message):
        self.exit(2, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


def build_parser():
    parser = Parser(
        prog="tfgen",
        description="Train, evaluate, sample and export generative models (Keras 3 on TensorFlow).",
    )
    parser.add_argument(
        "--version",
        action=_Version,
        help="print the installed versions of tfgen, TensorFlow and Keras and exit",
    )
    verbs = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for verb in VERBS:
        verb.add_parser(verbs)
    for command in _commands(parser):
        if "--verbose" not in command._option_string_actions:
            command.add_argument(
                "--verbose",
                action="store_true",
                help="show TensorFlow's own log lines (C++ start-up and device messages), "
                "which tfgen hides by default",
            )
    return parser


def _commands(parser):
    """The parsers that run a command: the sub-parsers that have no sub-commands of their own
    (`train`, `pipeline run`, `latent grid`, ...)."""
    actions = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    if not actions:
        return [parser]
    return [leaf for a in actions for sub in a.choices.values() for leaf in _commands(sub)]


class _Version(argparse.Action):
    """`--version`, read from the installed packages' metadata only when asked (the lookup
    takes a noticeable fraction of a second)."""

    def __init__(self, option_strings, dest=argparse.SUPPRESS, help=None):
        super().__init__(option_strings, dest, nargs=0, default=argparse.SUPPRESS, help=help)

    def __call__(self, parser, namespace, values, option_string=None):
        print(version_line())  # stdout, as argparse's version action
        parser.exit()


def version_line():
    """ "tfgen 0.1.0 (tensorflow 2.21.0, keras 3.15.1)": the installed distributions' versions
    (tfgen's own `__version__` when it runs from a checkout that is not installed)."""
    from importlib.metadata import PackageNotFoundError, version

    import tfgen

    found = {}
    for name in ("tfgen", "tensorflow", "keras"):
        try:
            found[name] = version(name)
        except PackageNotFoundError:
            found[name] = tfgen.__version__ if name == "tfgen" else "not installed"
    return "tfgen {tfgen} (tensorflow {tensorflow}, keras {keras})".format(**found)


if __name__ == "__main__":
    sys.exit(main())
