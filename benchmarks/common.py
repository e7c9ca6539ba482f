"""What the benchmark scripts share: where the data is, training for a wall-clock budget, and
one FID scorer (features of a tfgen classifier trained on the same data)."""

import argparse
import contextlib
import time
from pathlib import Path

import numpy as np

from tfgen.callbacks import BudgetSpent, TimeBudget
from tfgen.data import load_dataset, load_examples
from tfgen.metrics import frechet_distance, gaussian_statistics

DEFAULT_MNIST = "../shared/data/mnist"


def arguments(description, seconds):
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--mnist", default=DEFAULT_MNIST, help="folder of the MNIST IDX files")
    parser.add_argument("--seconds", type=float, default=seconds, help="training budget per model")
    return parser


def fit_for(model, data, seconds, callbacks=(), clock=time.monotonic, **kwargs):
    """Trains until `seconds` have passed on `clock` (wall-clock time unless a clock that
    leaves out pauses is given); returns the seconds taken on that clock."""
    start = clock()
    callbacks = [TimeBudget(seconds, clock=clock), *callbacks]
    with contextlib.suppress(BudgetSpent):  # spent mid-epoch: the model is as that step left it
        model.fit(data, epochs=1_000_000, callbacks=callbacks, verbose=0, shuffle=False, **kwargs)
    return clock() - start


class FidScorer:
    """FID against all real images in the features of a classifier trained on them."""

    def __init__(self, mnist, epochs=3, seed=0):
        import keras

        from tfgen.models import build_model

        keras.utils.set_random_seed(seed)
        self.real, labels = load_examples(mnist, pixel_range=(0, 1))
        train, val = load_dataset(
            mnist, pixel_range=(0, 1), batch_size=128, validation_split=0.1, subset="both"
        )
        self.classifier = build_model("classifier", self.real.shape[1:], num_classes=10)
        history = self.classifier.fit(train, validation_data=val, epochs=epochs, verbose=0)
        self.accuracy = history.history["val_accuracy"][-1]
        self.real_statistics = gaussian_statistics(self.classifier.features(self.real))
        order = np.random.default_rng(seed).permutation(len(self.real))
        a, b = np.array_split(self.classifier.features(self.real[order]), 2)
        self.floor = frechet_distance(*gaussian_statistics(a), *gaussian_statistics(b))

    def fid(self, images):
        """FID of generated images in [0, 1] against the real images."""
        features = self.classifier.features(images)
        return frechet_distance(*gaussian_statistics(features), *self.real_statistics)

    def describe(self):
        return (
            f"FID in the 128-d features of a tfgen classifier (held-out accuracy "
            f"{self.accuracy:.3f}) against all {len(self.real)} real images; real-vs-real "
            f"floor (two halves) {self.floor:.2f}"
        )


def mnist_path(path):
    if not all((Path(path) / f).is_file() for f in ("t10k-images-idx3-ubyte.gz",)):
        raise SystemExit(f"MNIST IDX files not found in {path}; pass --mnist DIR")
    return path
