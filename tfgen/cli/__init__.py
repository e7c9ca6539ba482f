"""The `tfgen` command line: parses arguments and calls library functions (`tfgen --help`)."""

from tfgen.cli.app import build_parser, main
from tfgen.cli.arguments import parse_assignments, parse_value
from tfgen.cli.train import MODEL_NAMES

__all__ = ["MODEL_NAMES", "build_parser", "main", "parse_assignments", "parse_value"]
