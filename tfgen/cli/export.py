"""`tfgen export --model PATH --name NAME [--base saved_models] [--encoder-only]`"""


def add_parser(verbs):
    p = verbs.add_parser(
        "export",
        help="export a SavedModel for TF Serving",
        description="Export the serving signatures as <base>/<name>/<next integer version>/.",
    )
    p.add_argument("--model", required=True, metavar="PATH", help="a saved .keras model")
    p.add_argument("--name", required=True, help="the served model's name")
    p.add_argument("--base", default="saved_models", help="default: saved_models")
    p.add_argument(
        "--encoder-only",
        action="store_true",
        help="autoencoders: export only the encoder (`encode` = serving_default)",
    )
    p.set_defaults(run=run)


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
    )
    print(f"exported {args.model} to {path}\ninspect: saved_model_cli show --dir {path} --all")
