"""`tfgen export --model PATH --name NAME [--base saved_models] [--encoder-only]
[--max-batch 1024]`"""

import argparse

from tfgen.cli.arguments import model_file, output_folder, positive_int

DEFAULT_MAX_BATCH = 1024  # tfgen.export.DEFAULT_MAX_BATCH; not imported: --help stays instant


def add_parser(verbs):
    p = verbs.add_parser(
        "export",
        help="export a SavedModel for TF Serving",
        description="Export the serving signatures as <base>/<name>/<next integer version>/.",
    )
    p.add_argument(
        "--model", required=True, type=model_file, metavar="PATH", help="a saved .keras model"
    )
    p.add_argument(
        "--name",
        required=True,
        type=_model_name,
        help="the served model's name: letters, digits, '_', '-' and '.', first a letter or digit",
    )
    p.add_argument(
        "--base", type=output_folder, default="saved_models", help="default: saved_models"
    )
    p.add_argument(
        "--encoder-only",
        action="store_true",
        help="autoencoders: export only the encoder (`encode` = serving_default)",
    )
    p.add_argument(
        "--max-batch",
        type=positive_int,
        default=DEFAULT_MAX_BATCH,
        metavar="N",
        help="the most rows one request may carry; larger and empty requests get an "
        f"InvalidArgument (default: {DEFAULT_MAX_BATCH})",
    )
    p.set_defaults(run=run)


def _model_name(text):
    from tfgen.errors import InputError
    from tfgen.utils.names import check_model_name

    try:
        return check_model_name(text)
    except InputError as e:
        raise argparse.ArgumentTypeError(str(e)) from None


def run(args):
    from tfgen.export import export_model
    from tfgen.models import load_model
    from tfgen.training import run_state_of

    model = load_model(args.model)
    path = export_model(
        model,
        args.name,
        base=args.base,
        encoder_only=args.encoder_only,
        run=run_state_of(args.model),
        max_batch=args.max_batch,
    )
    print(f"exported {args.model} to {path}\ninspect: saved_model_cli show --dir {path} --all")
