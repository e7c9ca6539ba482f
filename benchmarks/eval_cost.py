"""Seconds to compute FID and KID (and precision/recall) for 1k, 10k and 50k generated images
with a tfgen classifier's features: how the evaluation's cost grows with the sample count.

    .venv/bin/python -m benchmarks.eval_cost [--mnist DIR] [--sizes 1000,10000,50000]
"""

import argparse
import time

from benchmarks.common import DEFAULT_MNIST, FidScorer, mnist_path
from tfgen.metrics import (
    frechet,
    gaussian_statistics,
    kernel_distance,
    precision_recall_density_coverage,
)
from tfgen.models.dcgan import build_dcgan


def fid_of(features, real):
    return frechet(*gaussian_statistics(features), *gaussian_statistics(real))


def timed(fn, *args, **kwargs):
    start = time.monotonic()
    result = fn(*args, **kwargs)
    return result, time.monotonic() - start


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--mnist", default=DEFAULT_MNIST)
    parser.add_argument("--sizes", default="1000,10000,50000")
    args = parser.parse_args()
    scorer = FidScorer(mnist_path(args.mnist), epochs=1)
    real = scorer.classifier.features(scorer.real)
    gan = build_dcgan((28, 28, 1))  # untrained: the cost does not depend on quality
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
