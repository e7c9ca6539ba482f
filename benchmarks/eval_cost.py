"""Seconds to compute FID and KID (and precision/recall) for 1k, 10k and 50k generated images
with a tfgen classifier's features: how the evaluation's cost grows with the sample count.
First, side by side and alternated in one run, the sampling rate (images/s, chunks of 256) of
the former eager path (the Keras generator called chunk by chunk), `sample`'s compiled sampler,
and the exported SavedModel's `sample` signature.

    .venv/bin/python -m benchmarks.eval_cost [--mnist DIR] [--sizes 1000,10000,50000]
        [--sampling 10000] [--rounds 3] [--sampling-only]
"""

import argparse
import tempfile
import time

import numpy as np
import tensorflow as tf

from benchmarks.common import DEFAULT_MNIST, FidScorer, mnist_path
from tfgen.export import export_model
from tfgen.metrics import (
    frechet,
    gaussian_statistics,
    kernel_distance,
    precision_recall_density_coverage,
)
from tfgen.models.base import in_chunks
from tfgen.models.dcgan import build_dcgan

CHUNK = 256


def fid_of(features, real):
    return frechet(*gaussian_statistics(features), *gaussian_statistics(real))


def timed(fn, *args, **kwargs):
    start = time.monotonic()
    result = fn(*args, **kwargs)
    return result, time.monotonic() - start


def sampling_rates(gan, n, rounds):
    """images/s of each sampling path for `n` images, the paths alternated round by round (a
    shared host's noise hits them alike); the median over rounds, after one warm-up call."""
    with tempfile.TemporaryDirectory() as base:
        served = tf.saved_model.load(str(export_model(gan, "dcgan", base=base)))
        signature = served.signatures["sample"]

        def exported(n):
            seeds = np.arange(n, dtype=np.int64)
            return np.concatenate(
                [
                    signature(
                        seed=tf.constant(seeds[i : i + CHUNK]),
                        truncation=tf.ones([len(seeds[i : i + CHUNK])]),
                    )["images"].numpy()
                    for i in range(0, n, CHUNK)
                ]
            )

        paths = {
            "eager (former)": lambda n: in_chunks(
                gan.images_from_latents, gan.sample_latents(n), chunk=CHUNK
            ),
            "compiled `sample`": lambda n: gan.sample(n),
            "SavedModel `sample`": exported,
        }
        for fn in paths.values():
            fn(CHUNK)  # trace and warm up
        seconds = {name: [] for name in paths}
        for _ in range(rounds):
            for name, fn in paths.items():
                _, t = timed(fn, n)
                seconds[name].append(t)
        # the three paths draw the same images (up to float noise)
        np.testing.assert_allclose(paths["compiled `sample`"](300), exported(300), atol=1e-5)
    for name, ts in seconds.items():
        print(
            f"sampling {n} images, {name:<20} {n / np.median(ts):7.0f} images/s "
            f"(median of {rounds}: {np.median(ts):.2f} s)",
            flush=True,
        )


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--mnist", default=DEFAULT_MNIST)
    parser.add_argument("--sizes", default="1000,10000,50000")
    parser.add_argument("--sampling", type=int, default=10000, help="images per sampling round")
    parser.add_argument("--rounds", type=int, default=3, help="alternated sampling rounds")
    parser.add_argument("--sampling-only", action="store_true", help="skip the metrics' cost")
    args = parser.parse_args()
    gan = build_dcgan((28, 28, 1))  # untrained: the cost does not depend on quality
    sampling_rates(gan, args.sampling, args.rounds)
    if args.sampling_only:
        return
    scorer = FidScorer(mnist_path(args.mnist), epochs=1)
    real = scorer.classifier.features(scorer.real)
    for n in (int(s) for s in args.sizes.split(",")):
        images, t_sample = timed(gan.sample, n)
        features, t_features = timed(scorer.classifier.features, images)
        _, t_fid = timed(fid_of, features, real)
        _, t_kid = timed(kernel_distance, real, features)
        _, t_pr = timed(precision_recall_density_coverage, real, features)
        print(
            f"n={n}: sample {t_sample:.1f} s, features {t_features:.1f} s, FID {t_fid:.2f} s, "
            f"KID {t_kid:.1f} s, precision/recall {t_pr:.1f} s; total "
            f"{t_sample + t_features + t_fid + t_kid + t_pr:.1f} s",
            flush=True,
        )
    print(f"(real images: {len(real)}; KID uses 100 subsets of at most 1000)")


if __name__ == "__main__":
    main()
