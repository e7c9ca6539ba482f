"""Seconds to compute FID and KID (and precision/recall) for 1k, 10k and 50k generated images
with a tfgen classifier's features: how the evaluation's cost grows with the sample count.
First, side by side and alternated in one run, the sampling rate (images/s) of `sample`'s
compiled sampler (XLA-compiled networks), the same sampling math traced in graph mode without
XLA (the sampler before XLA), the exported SavedModel's `sample` signature (what the pipeline's
Evaluator calls, 500 rows a request), and `tfgen evaluate`'s sampling stage on a freshly loaded
.keras file (its first-call trace and XLA compile included); `--eager` adds the former eager
path (the Keras generator called chunk by chunk). `--families` instead prints, per model family,
`sample`'s rate with and without XLA (what each family's `xla_sampling` rests on).

    .venv/bin/python -m benchmarks.eval_cost [--mnist DIR] [--sizes 1000,10000,50000]
        [--sampling 10000] [--rounds 5] [--eager] [--sampling-only] [--families]
"""

import argparse
import functools
import tempfile
import time
from pathlib import Path

import numpy as np
import tensorflow as tf

from benchmarks.common import DEFAULT_MNIST, FidScorer, mnist_path
from tfgen.evaluation.generators import generated_images
from tfgen.export import export_model
from tfgen.metrics import (
    frechet,
    gaussian_statistics,
    kernel_distance,
    precision_recall_density_coverage,
)
from tfgen.models import build_model, load_model
from tfgen.models.base import in_chunks, in_compiled_chunks, seed_specs
from tfgen.models.dcgan import build_dcgan

SIGNATURE_BATCH = 500  # rows per request, as the pipeline's Evaluator sends them


def fid_of(features, real):
    return frechet(*gaussian_statistics(features), *gaussian_statistics(real))


def timed(fn, *args, **kwargs):
    start = time.monotonic()
    result = fn(*args, **kwargs)
    return result, time.monotonic() - start


def signature_sampler(signature):
    """n images from a `sample` signature, SIGNATURE_BATCH seeds per request."""

    def sample(n):
        seeds = np.arange(n, dtype=np.int64)
        return np.concatenate(
            [
                signature(seed=tf.constant(rows), truncation=tf.ones([len(rows)]))["images"].numpy()
                for rows in np.array_split(seeds, range(SIGNATURE_BATCH, n, SIGNATURE_BATCH))
            ]
        )

    return sample


def graph_sampler(gan):
    """n images from the sampling math traced in graph mode, without XLA, 256 rows a call."""
    traced = tf.function(gan.images_from_seeds, input_signature=seed_specs())
    return lambda n: in_compiled_chunks(traced, np.arange(n, dtype=np.int64), np.ones(n))


def evaluate_stage(keras_file):
    """n images through evaluate's sampling stage on a freshly loaded model; the load is not
    timed, the first call's trace and XLA compile are (evaluate pays them)."""

    def sample(n):
        model = load_model(keras_file)
        start = time.monotonic()
        images = generated_images(model, n)
        return images, time.monotonic() - start

    return sample


def contenders(gan, base, eager):
    """{name: n -> (images, seconds)}: the warm paths (traced and compiled here) and
    evaluate's stage, which starts cold at every call."""
    served = tf.saved_model.load(str(export_model(gan, "dcgan", base=base)))
    keras_file = Path(base) / "dcgan.keras"
    gan.save(keras_file)
    warm = {
        "compiled `sample` (XLA)": gan.sample,
        "graph mode, no XLA": graph_sampler(gan),
        "SavedModel `sample`": signature_sampler(served.signatures["sample"]),
    }
    if eager:
        warm["eager (former)"] = lambda n: in_chunks(gan.images_from_latents, gan.sample_latents(n))
    for fn in warm.values():
        fn(256)  # trace and compile
    paths = {name: functools.partial(timed, fn) for name, fn in warm.items()}
    return {**paths, "evaluate's sampling stage": evaluate_stage(keras_file)}


def sampling_rates(gan, n, rounds, eager=False):
    """images/s of each sampling path for `n` images, the paths alternated round by round (a
    shared host's noise hits them alike); the median and range over rounds."""
    seconds, images = {}, {}
    with tempfile.TemporaryDirectory() as base:
        paths = contenders(gan, base, eager)
        for _ in range(rounds):
            for name, fn in paths.items():
                images[name], t = fn(n)
                seconds.setdefault(name, []).append(t)
    for name, ts in seconds.items():
        # every path draws the signature's images (up to float rounding)
        np.testing.assert_allclose(
            images[name], images["SavedModel `sample`"], atol=1e-5, err_msg=name
        )
        print(
            f"sampling {n} images, {name:<26} {n / np.median(ts):6.0f} images/s "
            f"(median of {rounds}: {np.median(ts):.2f} s, range {min(ts):.2f}-{max(ts):.2f} s)",
            flush=True,
        )


FAMILIES = ("gan", "dcgan", "cgan", "wgan_gp", "vae", "vaegan")


def xla_by_family(n, rounds):
    """Per family (28x28 defaults), images/s of `sample` with and without XLA-compiled
    networks, alternated in one run: what each family's `xla_sampling` rests on."""
    models = {}
    for name in FAMILIES:
        for xla in (True, False):
            model = build_model(name, (28, 28, 1), num_classes=10 if name == "cgan" else None)
            model.xla_sampling = xla  # before the first sample, which builds the sampler
            model.sample(256)  # trace and compile
            models[name, xla] = model
    seconds = {key: [] for key in models}
    for _ in range(rounds):
        for key, model in models.items():
            seconds[key].append(timed(model.sample, n)[1])
    for name in FAMILIES:
        with_xla, without = np.median(seconds[name, True]), np.median(seconds[name, False])
        print(
            f"{name:<8} XLA {n / with_xla:6.0f} images/s, graph mode {n / without:6.0f} "
            f"images/s: XLA at {without / with_xla:.2f}x (declared: "
            f"xla_sampling={type(models[name, True]).xla_sampling})",
            flush=True,
        )


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--mnist", default=DEFAULT_MNIST)
    parser.add_argument("--sizes", default="1000,10000,50000")
    parser.add_argument("--sampling", type=int, default=10000, help="images per sampling round")
    parser.add_argument("--rounds", type=int, default=5, help="alternated sampling rounds")
    parser.add_argument("--eager", action="store_true", help="also time the former eager path")
    parser.add_argument("--sampling-only", action="store_true", help="skip the metrics' cost")
    parser.add_argument(
        "--families", action="store_true", help="only: each family's sampling with/without XLA"
    )
    args = parser.parse_args()
    if args.families:
        xla_by_family(args.sampling, args.rounds)
        return
    gan = build_dcgan((28, 28, 1))  # untrained: the cost does not depend on quality
    sampling_rates(gan, args.sampling, args.rounds, args.eager)
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
