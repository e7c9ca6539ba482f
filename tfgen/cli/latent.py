"""`tfgen latent {interpolate,arithmetic,attribute,traverse,grid,scatter} ...`: latent-space
pictures of an autoencoder or VAE, each written as one PNG."""

from tfgen.cli.arguments import (
    SOURCE_HELP,
    add_model_argument,
    data_source,
    float_list,
    index_list,
    output_file,
    positive_int,
)


def add_parser(verbs):
    p = verbs.add_parser(
        "latent",
        help="latent-space tools: interpolation, arithmetic, traversals, grids",
        description="Pictures of an autoencoder's or VAE's latent space, each written as PNG.",
    )
    tools = p.add_subparsers(dest="tool", required=True, metavar="TOOL")
    for name, add, run, help_text in TOOLS:
        tool = tools.add_parser(name, help=help_text, description=help_text)
        add_model_argument(tool)
        tool.add_argument(
            "--out", required=True, type=output_file(".png"), metavar="PNG", help="output PNG file"
        )
        add(tool)
        tool.set_defaults(run=run)


def _data(tool, required=True):
    tool.add_argument(
        "--data", type=data_source, required=required, metavar="SOURCE", help=SOURCE_HELP
    )


def _add_interpolate(tool):
    _data(tool)
    tool.add_argument("--a", type=int, required=True, help="index of the first image")
    tool.add_argument("--b", type=int, required=True, help="index of the second image")
    tool.add_argument("--steps", type=positive_int, default=10, help="default: 10")
    tool.add_argument("--method", choices=("slerp", "linear"), default="slerp")


def _interpolate(args):
    import numpy as np

    from tfgen.tools import latent

    model, images, _ = _load(args)
    strip = latent.interpolate(model, images[args.a], images[args.b], args.steps, args.method)
    steps = [f"t={t:.2f}" for t in np.linspace(0.0, 1.0, args.steps)]
    steps[0], steps[-1] = f"a (image {args.a})", f"b (image {args.b})"
    _write(
        args.out,
        strip,
        columns=args.steps,
        what=f"{args.method} interpolation from image {args.a} to image {args.b}",
        column_labels=steps,
    )


def _add_arithmetic(tool):
    _data(tool)
    for name in ("a", "b", "c"):
        tool.add_argument(f"--{name}", type=int, required=True, help=f"index of image {name}")


def _arithmetic(args):
    import numpy as np

    from tfgen.tools import latent

    model, images, _ = _load(args)
    a, b, c = images[args.a], images[args.b], images[args.c]
    result = latent.arithmetic(model, a, b, c)
    _write(
        args.out,
        np.concatenate([np.stack([a, b, c]), result]),
        columns=4,
        what=f"latent arithmetic: a = image {args.a}, b = image {args.b}, c = image {args.c}",
        column_labels=["a", "b", "c", "a - b + c"],
    )


def _add_attribute(tool):
    _data(tool)
    tool.add_argument("--label", type=int, required=True, help="the class whose mean to add")
    tool.add_argument("--n", type=positive_int, default=8, help="images to edit (default: 8)")
    tool.add_argument(
        "--strengths",
        type=float_list,
        default="0,0.5,1,1.5,2",
        help="multiples of the vector to add (default: 0,0.5,1,1.5,2)",
    )


def _attribute(args):
    from tfgen.errors import InputError
    from tfgen.tools import latent

    model, images, labels = _load(args)
    if labels is None:
        raise InputError(f"{args.data}: attribute vectors need labelled data.")
    vector = latent.attribute_vector(model, images, labels, args.label)
    strengths = args.strengths
    others = images[labels != args.label][: args.n]
    edited = latent.add_attribute(model, others, vector, strengths)
    _write(
        args.out,
        edited.reshape(-1, *edited.shape[2:]),
        columns=len(strengths),
        what=f"adding v = mean code(class {args.label}) - mean code(all)",
        column_labels=[f"+{s:g} v" for s in strengths],
    )


def _add_traverse(tool):
    _data(tool, required=False)
    tool.add_argument("--index", type=int, default=0, help="image whose code to start from")
    tool.add_argument(
        "--dims",
        type=index_list,
        help="latent dimensions, e.g. 0,1,2 (default: all, up to 16)",
    )
    tool.add_argument("--range", type=float, nargs=2, default=(-3.0, 3.0), metavar=("LOW", "HIGH"))
    tool.add_argument("--steps", type=positive_int, default=9, help="default: 9")


def _traverse(args):
    import numpy as np

    from tfgen.tools import latent

    model, images, _ = _load(args)
    start = (
        model.encode_latent(images[args.index : args.index + 1])[0]
        if images is not None
        else np.zeros(model.latent_dim, np.float32)
    )
    dims = args.dims if args.dims else list(range(min(16, model.latent_dim)))
    values = np.linspace(*args.range, args.steps)
    rows = [latent.traverse(model, start, dim, values) for dim in dims]
    origin = f"image {args.index}" if images is not None else "z = 0"
    _write(
        args.out,
        np.concatenate(rows),
        columns=args.steps,
        what=f"traversal of one latent dimension per row, from {origin}",
        row_labels=[f"z[{d}]" for d in dims],
        column_labels=[f"{v:.2g}" for v in values],
    )


def _add_grid(tool):
    tool.add_argument("--n", type=positive_int, default=15, help="grid side (default: 15)")


def _grid(args):
    from tfgen.models import load_model
    from tfgen.tools import latent

    images = latent.latent_grid(load_model(args.model), args.n)
    z1, z2 = latent.latent_grid_axes(args.n)
    _write(
        args.out,
        images,
        columns=args.n,
        what=f"{args.n}x{args.n} grid of the 2-d latent (decoded at prior quantiles)",
        row_labels=[f"{v:.2f}" for v in z2],
        column_labels=[f"{v:.2f}" for v in z1],
        xlabel="z[0]",
        ylabel="z[1]",
    )


def _add_scatter(tool):
    _data(tool)
    tool.add_argument("--n", type=positive_int, default=2000, help="images to plot")


def _scatter(args):
    from tfgen.tools import latent
    from tfgen.utils import plots

    model, images, labels = _load(args)
    codes = model.encode_latent(images[: args.n])
    how = "latent codes" if model.latent_dim <= 2 else "first two principal components of codes"
    plots.scatter(
        args.out, latent.project_2d(codes), None if labels is None else labels[: args.n], title=how
    )
    print(f"wrote {how} of {len(codes)} images to {args.out}")


TOOLS = (
    (
        "interpolate",
        _add_interpolate,
        _interpolate,
        "decode along the path between two images' codes",
    ),
    ("arithmetic", _add_arithmetic, _arithmetic, "decode code(a) - code(b) + code(c)"),
    (
        "attribute",
        _add_attribute,
        _attribute,
        "add a class's attribute vector (its mean code minus the mean) to other images",
    ),
    ("traverse", _add_traverse, _traverse, "vary one latent dimension at a time"),
    ("grid", _add_grid, _grid, "decode a grid over a 2-d latent space"),
    ("scatter", _add_scatter, _scatter, "scatter the codes of labelled images"),
)


def _load(args):
    """(model, images in file order or None, labels or None), images shaped for the model."""
    from tfgen.data import load_examples
    from tfgen.errors import InputError
    from tfgen.models import load_model

    model = load_model(args.model)
    if not model.can_encode:
        raise InputError(f"{args.model}: latent tools need an autoencoder or VAE (an encoder).")
    if getattr(args, "data", None) is None:
        return model, None, None
    height, width, channels = model.image_shape
    images, labels = load_examples(
        args.data, pixel_range=model.pixel_range, image_size=[height, width], channels=channels
    )
    for name in ("a", "b", "c", "index"):
        index = getattr(args, name, None)
        if index is not None and not 0 <= index < len(images):
            raise InputError(f"--{name} must be in [0, {len(images)}). Received: {index}")
    return model, images, labels


def _write(path, images, columns, what, **labels):
    """A labelled figure of the images (see `tfgen.utils.plots.image_table`)."""
    from tfgen.utils import plots

    plots.save_figure(plots.image_table(images, columns, title=what, **labels), path)
    print(f"wrote {what} to {path}")
