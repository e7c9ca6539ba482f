"""ExampleGen: any data source -> TFRecord shards of tf.train.Example with a deterministic
train/eval split."""

from pathlib import Path

import numpy as np

from tfgen.data import load_examples, write_tfrecord
from tfgen.errors import InputError
from tfgen.utils.images import to_uint8
from tfgen.utils.io import write_json_atomic

SPLITS = ("train", "eval")


def example_gen(source, output_dir, *, eval_fraction=0.1, shards=1, seed=0, **data_options):
    """Writes `output_dir/{train,eval}/data-NNNNN-of-NNNNN.tfrecord` and `metadata.json`.

    Each example holds the PNG-encoded image and, when the source has labels, its label. The
    split is a seeded permutation: the same source and seed give the same split every time.
    Each split folder is itself a tfgen data source.

    Returns:
        The metadata: source, counts per split, image shape, classes, split settings.

    Raises:
        InputError: unreadable data, or a split that would be empty.
    """
    if not 0.0 < eval_fraction < 1.0:
        raise InputError(f"eval_fraction must be in (0, 1). Received: {eval_fraction!r}")
    images, labels, info = load_examples(
        source, pixel_range=(0.0, 1.0), return_info=True, **data_options
    )
    order = np.random.default_rng(seed).permutation(len(images))
    n_eval = int(round(eval_fraction * len(images)))
    if n_eval == 0 or n_eval == len(images):
        raise InputError(
            f"{source}: {len(images)} examples cannot be split {eval_fraction:.0%} "
            "for evaluation with both splits non-empty."
        )
    pixels = to_uint8(images)
    counts = {}
    for split, indices in zip(SPLITS, (order[n_eval:], order[:n_eval])):
        for shard in range(shards):
            part = indices[shard::shards]
            write_tfrecord(
                Path(output_dir) / split / f"data-{shard:05d}-of-{shards:05d}.tfrecord",
                pixels[part],
                None if labels is None else labels[part],
            )
        counts[split] = int(len(indices))
    metadata = {
        "source": source,
        "data_options": data_options,
        "counts": counts,
        "image_shape": list(images.shape[1:]),
        "num_classes": info.num_classes,
        "class_names": list(info.class_names) if info.class_names else None,
        "skipped_files": list(info.skipped),
        "split": {"eval_fraction": eval_fraction, "seed": seed, "shards": shards},
    }
    write_json_atomic(Path(output_dir) / "metadata.json", metadata)
    return metadata
