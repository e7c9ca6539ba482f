"""Latency and throughput of the exported SavedModel's `sample` and `generate` signatures (as
TF Serving runs them), next to calling the Keras generator directly and `model.predict`.

    .venv/bin/python -m benchmarks.sample_latency [--calls 300]

The model is tfgen's default MNIST DCGAN (28x28, untrained: the cost does not depend on the
weights). Batch 1: p50 and p99 latency over `--calls` calls; batch 256: images/s.
"""

import argparse
import tempfile
import time

import numpy as np
import tensorflow as tf

from tfgen.export import export_model
from tfgen.models.dcgan import build_dcgan


def latencies(fn, calls):
    fn()  # trace and warm up
    fn()
    seconds = []
    for _ in range(calls):
        start = time.perf_counter()
        fn()
        seconds.append(time.perf_counter() - start)
    return np.array(seconds) * 1e3


def report(name, fn_one, fn_batch, calls):
    ms = latencies(fn_one, calls)
    rate = 256 / (np.median(latencies(fn_batch, max(calls // 10, 5))) / 1e3)
    print(
        f"{name:<34} batch 1: p50 {np.percentile(ms, 50):6.2f} ms, "
        f"p99 {np.percentile(ms, 99):6.2f} ms; batch 256: {rate:7.0f} images/s",
        flush=True,
    )
    return np.percentile(ms, 50)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--calls", type=int, default=300)
    args = parser.parse_args()
    gan = build_dcgan((28, 28, 1))
    with tempfile.TemporaryDirectory() as base:
        served = tf.saved_model.load(str(export_model(gan, "dcgan", base=base)))
        sample, generate = served.signatures["sample"], served.signatures["generate"]

        def rows(n):
            return {"seed": tf.range(n, dtype=tf.int64), "truncation": tf.ones([n])}

        one, many = rows(1), rows(256)
        z1 = tf.random.normal([1, gan.latent_dim])
        z256 = tf.random.normal([256, gan.latent_dim])
        direct = tf.function(lambda z: gan.generator(z, training=False))
        results = {
            "SavedModel `sample`": report(
                "SavedModel `sample`", lambda: sample(**one), lambda: sample(**many), args.calls
            ),
            "SavedModel `generate`": report(
                "SavedModel `generate`",
                lambda: generate(z=z1),
                lambda: generate(z=z256),
                args.calls,
            ),
            "generator in a tf.function": report(
                "generator in a tf.function",
                lambda: direct(z1).numpy(),
                lambda: direct(z256).numpy(),
                args.calls,
            ),
            "generator called eagerly": report(
                "generator called eagerly",
                lambda: gan.generator(z1, training=False).numpy(),
                lambda: gan.generator(z256, training=False).numpy(),
                args.calls,
            ),
            "generator.predict": report(
                "generator.predict",
                lambda: gan.generator.predict(z1, verbose=0),
                lambda: gan.generator.predict(z256, verbose=0, batch_size=256),
                max(args.calls // 3, 20),
            ),
        }
    ratio = results["SavedModel `sample`"] / results["generator in a tf.function"]
    print(f"`sample` p50 / generator-in-tf.function p50 at batch 1: {ratio:.2f} (target <= 1.2)")


if __name__ == "__main__":
    main()
