"""`tfgen export --model PATH --name NAME [--base saved_models] [--format saved_model]
[--encoder-only] [--max-batch 1024] [--batch N]`"""

import argparse

from tfgen.cli.arguments import add_model_argument, output_folder, positive_int

DEFAULT_MAX_BATCH = 1024  # tfgen.export.DEFAULT_MAX_BATCH; not imported: --help stays instant
FORMATS = ("saved_model", "litert", "onnx")  # the SavedModel and tfgen.export.DEVICE_FILES


def add_parser(verbs):
    p = verbs.add_parser(
        "export",
        help="export a SavedModel for TF Serving, or a LiteRT / ONNX generator for devices",
        description="Export the serving signatures as <base>/<name>/<next integer version>/; "
        "with --format litert or onnx, the generator (or decoder) alone as model.tflite or "
        "model.onnx in that folder.",
    )
    add_model_argument(p)
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
        "--format",
        choices=FORMATS,
        default="saved_model",
        help="saved_model (TF Serving, every signature; the default), litert (model.tflite) or "
        "onnx (model.onnx): z (and label) -> images, for GANs and VAEs; code -> images for "
        "autoencoders",
    )
    p.add_argument(
        "--encoder-only",
        action="store_true",
        help="autoencoders: export only the encoder (`encode` = serving_default); saved_model only",
    )
    p.add_argument(
        "--max-batch",
        type=positive_int,
        metavar="N",
        help="the most rows one request may carry; larger and empty requests get an "
        f"InvalidArgument (default: {DEFAULT_MAX_BATCH}); saved_model only",
    )
    p.add_argument(
        "--batch",
        type=positive_int,
        metavar="N",
        help="litert and onnx: fix the batch dimension to N rows, for accelerators that need "
        "static shapes (default: dynamic, any number of rows)",
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
    _check_options_of_format(args)
    from tfgen.models import load_model
    from tfgen.training import run_state_of

    model = load_model(args.model)
    if args.format == "saved_model":
        from tfgen.export import export_model

        path = export_model(
            model,
            args.name,
            base=args.base,
            encoder_only=args.encoder_only,
            run=run_state_of(args.model),
            max_batch=args.max_batch or DEFAULT_MAX_BATCH,
        )
        print(f"exported {args.model} to {path}\ninspect: saved_model_cli show --dir {path} --all")
        return
    from tfgen.export import DEVICE_FILES, export_for_devices

    path = export_for_devices(
        model,
        args.name,
        base=args.base,
        format=args.format,
        batch=args.batch,
        run=run_state_of(args.model),
    )
    print(f"exported {args.model} to {path / DEVICE_FILES[args.format]}")


def _check_options_of_format(args):
    """Refuses an option the chosen format would ignore, before the model loads."""
    from tfgen.errors import InputError

    for_devices = args.format != "saved_model"
    for option, given, of_devices in (
        ("--encoder-only", args.encoder_only, False),
        ("--max-batch", args.max_batch is not None, False),
        ("--batch", args.batch is not None, True),
    ):
        if given and of_devices != for_devices:
            formats = "litert and onnx" if of_devices else "saved_model"
            raise InputError(
                f"{option} applies to --format {formats} only. Received: --format {args.format}"
            )
