"""`tfgen completion {bash,zsh,tcsh}`: a shell completion script for every verb and option.

The script is generated from the parser by shtab and is static: pressing TAB runs no Python
(and no TensorFlow), so completion is instant. See the README for how to enable it.
"""

import argparse

SHELLS = ("bash", "zsh", "tcsh")
# options that take a path: complete file names (or folder names) for them
FILE_OPTIONS = {"--model", "--data", "--out", "--json", "--config", "--real", "--fake"}
FOLDER_OPTIONS = {"--workdir", "--base", "--pipeline-root"}


def add_parser(verbs):
    p = verbs.add_parser(
        "completion",
        help="print a shell completion script (bash, zsh or tcsh)",
        description="Print a completion script for tfgen's verbs and options; e.g. in "
        '~/.bashrc: eval "$(tfgen completion bash)" (see the README for zsh).',
    )
    p.add_argument("shell", choices=SHELLS, help="the shell to complete in")
    p.set_defaults(run=run)


def run(args):
    import shtab

    from tfgen.cli.app import build_parser

    parser = build_parser()
    for action in _all_actions(parser):
        if FILE_OPTIONS & set(action.option_strings):
            action.complete = shtab.FILE
        elif FOLDER_OPTIONS & set(action.option_strings):
            action.complete = shtab.DIRECTORY
    print(shtab.complete(parser, shell=args.shell))


def _all_actions(parser):
    """Every option of `parser` and of its sub-parsers, recursively."""
    for action in parser._actions:
        yield action
        if isinstance(action, argparse._SubParsersAction):
            for sub in action.choices.values():
                yield from _all_actions(sub)
