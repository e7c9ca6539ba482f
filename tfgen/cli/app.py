"""The `tfgen` program: one parser with a sub-command per verb, and the error contract (a
bad input is one line on stderr and exit status 2, never a traceback).

One module per verb; TensorFlow is imported only once a command runs, so `--help` answers at
once.
"""

import argparse
import sys

from tfgen.cli import (
    attack,
    detect,
    evaluate,
    export,
    generate,
    latent,
    pipeline,
    sample,
    train,
)

VERBS = (train, sample, export, evaluate, latent, generate, detect, attack, pipeline)


def main(argv=None):
    parser = build_parser()
    args = parser.parse_args(argv)
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


def build_parser():
    parser = argparse.ArgumentParser(
        prog="tfgen",
        description="Train, evaluate, sample and export generative models (Keras 3 on TensorFlow).",
    )
    verbs = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for verb in VERBS:
        verb.add_parser(verbs)
    return parser


if __name__ == "__main__":
    sys.exit(main())
