"""StatisticsGen: image statistics per split, as JSON and a PNG."""

import hashlib
from pathlib import Path

import numpy as np

from tfgen.data import read_arrays
from tfgen.pipeline.example_gen import SPLITS
from tfgen.utils import plots
from tfgen.utils.io import write_json_atomic


def image_statistics(images, labels):
    """Count, shape, channels, pixel range, mean and std (0-255 units), label histogram and
    the number of exact duplicates (images whose bytes equal an earlier one's)."""
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
        "label_histogram": None
        if labels is None
        else {str(int(k)): int(v) for k, v in zip(*np.unique(labels, return_counts=True))},
        "duplicates": int(len(pixels) - len(digests)),
    }


def statistics_gen(examples_dir, output_dir):
    """Writes `statistics.json` (per split) and `statistics.png` (train samples and the label
    histograms) for the examples ExampleGen wrote.

    Returns:
        {split: statistics}.
    """
    statistics, samples = {}, None
    for split in SPLITS:
        arrays = read_arrays(str(Path(examples_dir) / split))
        statistics[split] = image_statistics(arrays.images, arrays.labels)
        if samples is None:
            samples = arrays.images[:64]
    write_json_atomic(Path(output_dir) / "statistics.json", statistics)
    plots.dataset_overview(
        Path(output_dir) / "statistics.png",
        samples,
        {split: s["label_histogram"] for split, s in statistics.items()},
    )
    return statistics
