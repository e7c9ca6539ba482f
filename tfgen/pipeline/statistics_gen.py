"""StatisticsGen on Apache Beam: image statistics per split, as JSON and a PNG.

Each statistic is a combiner, so memory stays bounded however many examples there are: count,
shape and channels, pixel min/max, mean and std (exact integer sums), a 256-bin pixel
histogram and the label histogram; exact duplicates are counted by content hash through a
per-key count (Beam's shuffle, not one set in memory). `image_statistics` is the same
computation on whole arrays in NumPy: the definition the Beam pipeline is tested against.
"""

import base64
import hashlib
import math
from pathlib import Path

import numpy as np

from tfgen.data.tfrecord import parse_example
from tfgen.errors import InputError
from tfgen.pipeline import beam_runner
from tfgen.pipeline.beam_runner import beam
from tfgen.pipeline.example_gen import SPLITS, content_digest
from tfgen.utils import plots
from tfgen.utils.io import write_json_atomic

SAMPLES = 64  # training examples drawn in statistics.png: those with the smallest digests


def image_statistics(images, labels):
    """Count, shape, channels, pixel range, mean and std (0-255 units), the pixel histogram,
    the label histogram and the number of exact duplicates (images equal to an earlier one),
    computed on arrays in memory."""
    pixels = np.asarray(images)
    if pixels.dtype != np.uint8:
        pixels = np.round(np.clip(pixels, 0.0, 1.0) * 255).astype(np.uint8)
    digests = {hashlib.sha1(image.tobytes()).hexdigest() for image in pixels}
    values = pixels.astype(np.float64)
    return {
        "count": int(len(pixels)),
        "image_shape": list(pixels.shape[1:]),
        "channels": int(pixels.shape[-1]),
        "pixel_min": float(values.min()),
        "pixel_max": float(values.max()),
        "pixel_mean": float(values.mean()),
        "pixel_std": float(values.std()),
        "pixel_histogram": np.bincount(pixels.ravel(), minlength=256).tolist(),
        "label_histogram": None
        if labels is None
        else {str(int(k)): int(v) for k, v in zip(*np.unique(labels, return_counts=True))},
        "duplicates": int(len(pixels) - len(digests)),
    }


def statistics_gen(examples_dir, output_dir, *, beam_args=()):
    """Writes `statistics.json` (per split) and `statistics.png` (train samples and the label
    histograms) for the examples ExampleGen wrote.

    Returns:
        {split: statistics}.
    """
    examples_dir, output_dir = Path(examples_dir), Path(output_dir)
    for split in SPLITS:
        if not list((examples_dir / split).glob("*.tfrecord*")):
            raise InputError(f"{examples_dir / split}: no TFRecord files; run ExampleGen first.")
    results = beam_runner.Results(output_dir)
    try:
        beam_runner.run(lambda p: _build(p, examples_dir, results), beam_args)
        statistics = {
            split: {**results.read(f"stats-{split}"), "duplicates": results.read(f"dup-{split}")}
            for split in SPLITS
        }
        samples = [_pixels(base64.b64decode(r)) for r in results.read("samples")]
    finally:
        results.remove()
    write_json_atomic(output_dir / "statistics.json", statistics)
    plots.dataset_overview(
        output_dir / "statistics.png",
        np.stack(samples),
        {split: s["label_histogram"] for split, s in statistics.items()},
    )
    return statistics


def _build(pipeline, examples_dir, results):
    for split in SPLITS:
        examples = (
            pipeline
            | f"Read{split}" >> beam.io.ReadFromTFRecord(str(examples_dir / split / "*.tfrecord*"))
            | f"Parse{split}" >> beam.Map(_parsed, str(examples_dir / split))
        )
        stats = examples | f"Stats{split}" >> beam.CombineGlobally(_ImageStats())
        results.write(stats, f"stats-{split}")
        duplicates = (
            examples
            | f"Digest{split}" >> beam.Map(lambda e: e[2])
            | f"CountDigests{split}" >> beam.combiners.Count.PerElement()
            | f"Extra{split}" >> beam.MapTuple(lambda _, n: n - 1)
            | f"Duplicates{split}" >> beam.CombineGlobally(sum)
        )
        results.write(duplicates, f"dup-{split}")
        if split == "train":
            samples = (
                examples
                | "Keyed" >> beam.Map(lambda e: (e[2], e[3]))
                | "Samples" >> beam.combiners.Top.Smallest(SAMPLES)
                | "Encoded" >> beam.Map(lambda top: [base64.b64encode(r).decode() for _, r in top])
            )
            results.write(samples, "samples")


def _parsed(record, where):
    """(pixels, label, digest hex, record) of one serialized example."""
    image, label = parse_example(record, f"{where} (a record)", None)
    return image, label, content_digest(image).hex(), record


def _pixels(record):
    return parse_example(record, "a sample", None)[0]


class _ImageStats(beam.CombineFn):
    """The per-split statistics but duplicates, from (uint8 pixels, label or None, ...)."""

    def create_accumulator(self):
        return {
            "count": 0,
            "shapes": set(),
            "min": 255,
            "max": 0,
            "sum": 0,
            "sum_sq": 0,
            "histogram": np.zeros(256, np.int64),
            "labels": {},
        }

    def add_input(self, acc, example):
        pixels, label = example[:2]
        acc["count"] += 1
        if len(acc["shapes"]) < 5:
            acc["shapes"].add(tuple(int(d) for d in pixels.shape))
        counts = np.bincount(pixels.ravel(), minlength=256)
        acc["histogram"] += counts
        acc["min"] = min(acc["min"], int(pixels.min()))
        acc["max"] = max(acc["max"], int(pixels.max()))
        levels = np.arange(256, dtype=np.int64)
        acc["sum"] += int(counts @ levels)
        acc["sum_sq"] += int(counts @ levels**2)
        if label is not None:
            acc["labels"][int(label)] = acc["labels"].get(int(label), 0) + 1
        return acc

    def merge_accumulators(self, accumulators):
        out = self.create_accumulator()
        for acc in accumulators:
            for key in ("count", "sum", "sum_sq", "histogram"):
                out[key] += acc[key]
            out["shapes"] |= acc["shapes"]
            out["min"], out["max"] = min(out["min"], acc["min"]), max(out["max"], acc["max"])
            for label, n in acc["labels"].items():
                out["labels"][label] = out["labels"].get(label, 0) + n
        return out

    def extract_output(self, acc):
        shapes = sorted(acc["shapes"])
        values = sum(acc["histogram"].tolist())  # pixel values counted, exact
        mean = acc["sum"] / values if values else 0.0
        variance = (values * acc["sum_sq"] - acc["sum"] ** 2) / values**2 if values else 0.0
        return {
            "count": acc["count"],
            "image_shape": list(shapes[0]) if len(shapes) == 1 else None,  # None: mixed
            "channels": shapes[0][-1] if len({s[-1] for s in shapes}) == 1 else None,
            "pixel_min": float(acc["min"]),
            "pixel_max": float(acc["max"]),
            "pixel_mean": float(mean),
            "pixel_std": math.sqrt(variance),
            "pixel_histogram": acc["histogram"].tolist(),
            "label_histogram": {str(k): v for k, v in sorted(acc["labels"].items())} or None,
        }
