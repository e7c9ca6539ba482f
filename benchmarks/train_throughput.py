"""Images/s of full GAN training steps: tfgen's GAN trainer against a plain Keras GAN written as
in the Keras guide "Customizing what happens in fit() with TensorFlow", both on the TensorFlow
DCGAN tutorial's MNIST networks (batch 256, Adam 1e-4), on the same data, in one process.

    .venv/bin/python -m benchmarks.train_throughput [--mnist DIR] [--steps 40] [--rounds 2]
        [--precision float32 mixed_bfloat16] [--jit]

Each round times `--steps` steps of each model after a warm-up (tracing excluded); the best
round counts. It also prints the step's FLOPs (counted by TensorFlow's profiler on the traced
step), the achieved GFLOP/s and their share of a measured dense-matmul peak.
"""

import argparse
import time

import keras
import tensorflow as tf

from benchmarks.common import DEFAULT_MNIST, mnist_path
from benchmarks.plain_keras_gan import PlainGAN, tf_tutorial_networks
from tfgen.data import load_dataset
from tfgen.models.gan import GAN

BATCH = 256


def matmul_peak(dtype, n=2048, repeats=20):
    """GFLOP/s of back-to-back n x n matmuls in `dtype`: this machine's dense peak."""
    a = tf.random.normal([n, n], dtype=tf.float32)
    a = tf.cast(a, dtype)

    @tf.function
    def chain(x):
        for _ in range(repeats):
            x = tf.matmul(x, a) * tf.cast(1e-3, dtype)
        return x

    chain(a).numpy()  # trace and warm up
    start = time.perf_counter()
    chain(a).numpy()
    return 2 * n**3 * repeats / (time.perf_counter() - start) / 1e9


def step_flops(model):
    """Floating-point operations of one training step (forward and backward, both players),
    counted on the traced graph."""
    spec = tf.TensorSpec([BATCH, 28, 28, 1], tf.float32)
    graph = tf.function(model.train_step).get_concrete_function(spec).graph
    options = tf.compat.v1.profiler.ProfileOptionBuilder.float_operation()
    options["output"] = "none"
    return tf.compat.v1.profiler.profile(graph=graph, options=options).total_float_ops


def plain_model(precision):
    keras.mixed_precision.set_dtype_policy(precision)
    keras.utils.set_random_seed(0)
    model = PlainGAN(*tf_tutorial_networks(), latent_dim=100, tanh_output=True)
    model.compile(keras.optimizers.Adam(1e-4), keras.optimizers.Adam(1e-4))
    return model


def tfgen_model(precision, jit, ema_decay=0.0):
    keras.mixed_precision.set_dtype_policy(precision)
    keras.utils.set_random_seed(0)
    model = GAN(*tf_tutorial_networks(), ema_decay=ema_decay)
    model.compile(keras.optimizers.Adam(1e-4), keras.optimizers.Adam(1e-4))
    if jit:
        model.jit_compile = True
    return model


def images_per_second(model, data, steps):
    model.fit(data, epochs=1, steps_per_epoch=3, verbose=0)  # trace and warm up
    start = time.perf_counter()
    model.fit(data, epochs=1, steps_per_epoch=steps, verbose=0)
    return steps * BATCH / (time.perf_counter() - start)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--mnist", default=DEFAULT_MNIST)
    parser.add_argument("--steps", type=int, default=40)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--precision", nargs="+", default=["float32", "mixed_bfloat16"])
    parser.add_argument("--no-ema", action="store_true", help="skip the EMA variant")
    parser.add_argument("--jit", action="store_true", help="also time tfgen with XLA")
    args = parser.parse_args()
    # the same batches, already in memory, for every model: the input pipeline must not be
    # what is measured (a reshuffled, partly cached pipeline capped every model at ~190/s)
    batches = list(
        load_dataset(mnist_path(args.mnist), batch_size=BATCH, drop_remainder=True, labels=False)
    )
    data = tf.data.Dataset.from_tensor_slices(tf.stack(batches)).repeat().prefetch(2)
    peaks = {d: matmul_peak(d) for d in (tf.float32, tf.bfloat16)}
    print(
        f"dense matmul peak: float32 {peaks[tf.float32]:.0f} GFLOP/s, "
        f"bfloat16 {peaks[tf.bfloat16]:.0f} GFLOP/s",
        flush=True,
    )
    flops = step_flops(plain_model("float32"))
    print(f"one step (batch {BATCH}): {flops / 1e9:.1f} GFLOP", flush=True)

    contenders = {"plain Keras (float32)": lambda: plain_model("float32")}
    for precision in args.precision:
        contenders[f"tfgen ({precision})"] = lambda p=precision: tfgen_model(p, False)
        if args.jit:
            contenders[f"tfgen ({precision}, XLA)"] = lambda p=precision: tfgen_model(p, True)
    if not args.no_ema:
        contenders["tfgen (float32, EMA 0.999)"] = lambda: tfgen_model("float32", False, 0.999)
    models = {name: build() for name, build in contenders.items()}
    keras.mixed_precision.set_dtype_policy("float32")
    best = dict.fromkeys(models, 0.0)
    for round_ in range(args.rounds):  # alternate, so drift in the machine hits all alike
        for name, model in models.items():
            rate = images_per_second(model, data, args.steps)
            best[name] = max(best[name], rate)
            print(f"round {round_ + 1}: {name}: {rate:.0f} images/s", flush=True)
    baseline = best["plain Keras (float32)"]
    for name, rate in best.items():
        gflops = rate / BATCH * flops / 1e9
        peak = peaks[tf.bfloat16 if "bfloat16" in name else tf.float32]
        print(
            f"{name}: {rate:.0f} images/s, {rate / baseline:.2f}x the baseline, "
            f"{gflops:.0f} GFLOP/s = {gflops / peak:.0%} of the {peak:.0f} GFLOP/s matmul peak"
        )


if __name__ == "__main__":
    main()
