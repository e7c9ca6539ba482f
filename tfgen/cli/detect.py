"""`tfgen detect --model PATH [IMAGES ...] [--real DIR --fake DIR] [--json FILE]`"""

import json

from tfgen.cli.arguments import add_json_argument, add_model_argument, data_source, existing_path


def add_parser(verbs):
    p = verbs.add_parser(
        "detect",
        help="score images as real or generated with a GAN's discriminator",
        description=(
            "Score images as real or generated with a trained discriminator: one probability "
            "(or critic score) per image as JSON. With --real and --fake folders, also the "
            "accuracy and AUROC of telling them apart."
        ),
    )
    add_model_argument(p, help="a saved GAN .keras model")
    p.add_argument(
        "images",
        nargs="*",
        type=existing_path,
        metavar="IMAGE",
        help="image files or folders to score",
    )
    p.add_argument(
        "--real", type=data_source, metavar="SOURCE", help="real images (any data source)"
    )
    p.add_argument(
        "--fake", type=data_source, metavar="SOURCE", help="generated images (any data source)"
    )
    add_json_argument(p, required=False, help="write the report here (default: print it)")
    p.set_defaults(run=run)


def run(args):
    from tfgen.errors import InputError

    if not args.images and not (args.real and args.fake):
        raise InputError("give images to score, or both --real and --fake to measure accuracy.")
    if bool(args.real) != bool(args.fake):
        raise InputError("--real and --fake go together.")
    from tfgen.models import load_model  # TensorFlow loads from here on
    from tfgen.utils.io import write_json_atomic

    model = load_model(args.model)
    report = {"model": args.model}
    if args.images:
        report["images"] = _score_files(model, args.images)
    if args.real:
        report["real_vs_generated"] = _compare(model, args.real, args.fake)
    if args.json:
        write_json_atomic(args.json, report)
        summary = report.get("real_vs_generated")
        if summary:
            print(
                f"accuracy {summary['accuracy']:.3f}, AUROC {summary['auroc']:.3f} on "
                f"{summary['real_images']} real and {summary['generated_images']} generated"
            )
        print(f"report: {args.json}")
    else:
        print(json.dumps(report, indent=2))


def _score_files(model, paths):
    from tfgen.evaluation.detection import score_images

    names, images = _read(model, paths)
    scores, probabilities = score_images(model, images)
    return [
        {"path": name, "score": float(s), **({} if probabilities is None else {"p_real": float(p)})}
        for name, s, p in zip(names, scores, probabilities if probabilities is not None else scores)
    ]


def _compare(model, real, fake):
    from tfgen.evaluation.detection import detection_report

    summary, _, _ = detection_report(model, _examples(model, real), _examples(model, fake))
    return summary


def _read(model, paths):
    """(names, images in [0, 1] shaped for the model) of image files and folders."""
    from pathlib import Path

    import numpy as np
    import tensorflow as tf

    from tfgen.data.images import IMAGE_SUFFIXES, decode_image_bytes
    from tfgen.data.pipeline import to_model_pixels
    from tfgen.errors import InputError

    files = []
    for path in map(Path, paths):
        if path.is_dir():
            files += sorted(f for f in path.rglob("*") if f.suffix.lower() in IMAGE_SUFFIXES)
        elif path.is_file():
            files.append(path)
        else:
            raise InputError(f"{path}: no such image file or folder.")
    if not files:
        raise InputError(f"no images found in {paths}.")
    height, width, channels = model.image_shape
    images = [
        to_model_pixels(
            decode_image_bytes(tf.io.read_file(str(f)), where=str(f)),
            (0.0, 1.0),
            (height, width),
            channels,
        ).numpy()
        for f in files
    ]
    return [str(f) for f in files], np.stack(images)


def _examples(model, source):
    from tfgen.data import load_examples

    height, width, channels = model.image_shape
    images, _ = load_examples(
        source, pixel_range=(0.0, 1.0), image_size=[height, width], channels=channels
    )
    return images
