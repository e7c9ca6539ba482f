"""Images/s of one GAN training step at batch 64 on 28x28x1 images, tfgen's defaults of each
contender (DCGAN against SNGAN, with and without self-attention, and SNGAN at other widths):
what a 15-minute CPU budget buys each one.

    .venv/bin/python -m benchmarks.sngan_throughput [--steps 20] [--windows 3]

The batches are in memory (the input pipeline is not measured); each contender warms up (the
trace) for 3 steps, then times `--windows` windows of `--steps` steps; contenders alternate
window by window, so a shared machine's drift hits them alike, and the best window counts.
"""

import argparse
import time

import numpy as np

BATCH = 64
SHAPE = (28, 28, 1)
CONTENDERS = {
    "dcgan": ("dcgan", {}),
    "sngan": ("sngan", {}),
    "sngan attention=14": ("sngan", {"attention": 14}),
    "sngan width 32": ("sngan", {"g_width": 32, "d_width": 32}),
    "sngan width 128": ("sngan", {"g_width": 128, "d_width": 128}),
}


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--steps", type=int, default=20)
    parser.add_argument("--windows", type=int, default=3)
    parser.add_argument("--only", nargs="+", default=list(CONTENDERS))
    args = parser.parse_args()
    import keras
    import tensorflow as tf

    from tfgen.models import build_model

    images = np.random.default_rng(0).uniform(-1, 1, (4 * BATCH, *SHAPE)).astype("float32")
    data = tf.data.Dataset.from_tensor_slices(images).batch(BATCH).repeat()
    models = {}
    for name in args.only:
        family, settings = CONTENDERS[name]
        keras.utils.set_random_seed(0)
        models[name] = build_model(family, SHAPE, **settings)
        models[name].fit(data, epochs=1, steps_per_epoch=3, verbose=0)  # trace, warm up
    rates = {name: [] for name in models}
    for _ in range(args.windows):
        for name, model in models.items():
            start = time.perf_counter()
            model.fit(data, epochs=1, steps_per_epoch=args.steps, verbose=0)
            rates[name].append(args.steps * BATCH / (time.perf_counter() - start))
    for name, model in models.items():
        params = model.generator.count_params(), model.discriminator.count_params()
        print(
            f"{name}: best {max(rates[name]):.0f} images/s (windows "
            + ", ".join(f"{r:.0f}" for r in rates[name])
            + f"); G {params[0]:,} / D {params[1]:,} parameters"
        )


if __name__ == "__main__":
    main()
