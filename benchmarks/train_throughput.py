"""Images/s of full GAN training steps: tfgen's GAN trainer against a plain Keras GAN written as
in the Keras guide "Customizing what happens in fit() with TensorFlow", both on the TensorFlow
DCGAN tutorial's MNIST networks (batch 256, Adam 1e-4), on the same data.

    .venv/bin/python -m benchmarks.train_throughput [--mnist DIR] [--steps 12] [--windows 4]
        [--rounds 2] [--precision float32 mixed_bfloat16] [--jit] [--no-ema]

Every contender runs in its own child process of this one (one process tree), so none
inherits another's thread pools, oneDNN primitive caches or XLA state, in alternating rounds.
This machine's own speed drifts (a shared host: the same fresh baseline process ran at 295 and
at 125 images/s minutes apart), so each child times `--windows` windows of `--steps` steps
after a warm-up (tracing excluded), on the same in-memory batches of the MNIST files, and the
best window counts. It also prints the step's FLOPs (counted by TensorFlow's profiler on the
traced step), the achieved GFLOP/s and their share of a dense-matmul peak measured in its own
child process.
"""

import argparse
import json
import subprocess
import sys
import time

import numpy as np

BATCH = 256
BASELINE = "plain Keras (float32)"


def matmul_peak(dtype_name, n=2048, count=10, repeats=3):
    """GFLOP/s of `count` independent n x n matmuls in one graph: this machine's dense peak."""
    import tensorflow as tf

    dtype = tf.as_dtype(dtype_name)
    a = tf.cast(tf.random.normal([n, n]), dtype)
    bs = [tf.cast(tf.random.normal([n, n], seed=i), dtype) for i in range(count)]

    @tf.function
    def products(a, bs):
        return [tf.matmul(a, b) for b in bs]

    [p.numpy() for p in products(a, bs)]  # trace and warm up
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        [p.numpy() for p in products(a, bs)]
        best = min(best, time.perf_counter() - start)
    return 2 * n**3 * count / best / 1e9


def step_flops(model):
    """Floating-point operations of one training step (forward and backward, both players),
    counted on the traced graph."""
    import tensorflow as tf

    spec = tf.TensorSpec([BATCH, 28, 28, 1], tf.float32)
    graph = tf.function(model.train_step).get_concrete_function(spec).graph
    options = tf.compat.v1.profiler.ProfileOptionBuilder.float_operation()
    options["output"] = "none"
    return tf.compat.v1.profiler.profile(graph=graph, options=options).total_float_ops


def build(contender):
    """The compiled model `contender` describes: {"kind", "precision", "jit", "ema"}."""
    import keras

    from benchmarks.plain_keras_gan import PlainGAN, tf_tutorial_networks
    from tfgen.models.gan import GAN

    keras.mixed_precision.set_dtype_policy(contender["precision"])
    keras.utils.set_random_seed(0)
    if contender["kind"] == "plain":
        model = PlainGAN(*tf_tutorial_networks(), latent_dim=100, tanh_output=True)
    else:
        model = GAN(*tf_tutorial_networks(), ema_decay=contender["ema"])
    model.compile(keras.optimizers.Adam(1e-4), keras.optimizers.Adam(1e-4))
    model.jit_compile = contender["jit"]
    return model


def in_memory_batches(mnist):
    """The MNIST files as batches already in memory: the input pipeline must not be what is
    measured (a reshuffled, partly cached pipeline capped every model at ~190 images/s)."""
    import tensorflow as tf

    from benchmarks.common import mnist_path
    from tfgen.data import load_dataset

    batches = list(
        load_dataset(mnist_path(mnist), batch_size=BATCH, drop_remainder=True, labels=False)
    )
    return tf.data.Dataset.from_tensor_slices(tf.stack(batches)).repeat().prefetch(2)


def images_per_second(contender, mnist, steps, windows):
    """The rates of `windows` timed windows of `steps` steps each."""
    model = build(contender)
    data = in_memory_batches(mnist)
    model.fit(data, epochs=1, steps_per_epoch=3, verbose=0)  # trace and warm up
    rates = []
    for _ in range(windows):
        start = time.perf_counter()
        model.fit(data, epochs=1, steps_per_epoch=steps, verbose=0)
        rates.append(steps * BATCH / (time.perf_counter() - start))
    return rates


def child(job):
    """What one child process measures (`--child JSON`); prints its result as JSON."""
    if job["what"] == "peaks":
        result = {d: matmul_peak(d) for d in ("float32", "bfloat16")}
        result["flops"] = step_flops(build({"kind": "plain", "precision": "float32", "jit": False}))
    else:
        result = images_per_second(job["contender"], job["mnist"], job["steps"], job["windows"])
    print(json.dumps(result))


def in_child(job):
    out = subprocess.run(
        [sys.executable, "-m", "benchmarks.train_throughput", "--child", json.dumps(job)],
        capture_output=True,
        text=True,
    )
    if out.returncode != 0:
        raise SystemExit(f"child {job} failed:\n{out.stderr[-3000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def contenders(args):
    def tfgen(precision, jit=False, ema=0.0):
        return {"kind": "tfgen", "precision": precision, "jit": jit, "ema": ema}

    table = {BASELINE: {"kind": "plain", "precision": "float32", "jit": False}}
    for precision in args.precision:
        table[f"tfgen ({precision})"] = tfgen(precision)
        if args.jit:
            table[f"tfgen ({precision}, XLA)"] = tfgen(precision, jit=True)
    if not args.no_ema:
        table["tfgen (float32, EMA 0.999)"] = tfgen("float32", ema=0.999)
    return table


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--mnist", default="../shared/data/mnist")
    parser.add_argument("--steps", type=int, default=12, help="steps per timed window")
    parser.add_argument("--windows", type=int, default=4, help="timed windows per child")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--precision", nargs="+", default=["float32", "mixed_bfloat16"])
    parser.add_argument("--no-ema", action="store_true", help="skip the EMA variant")
    parser.add_argument("--jit", action="store_true", help="also time tfgen with XLA")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        return child(json.loads(args.child))
    from tfgen.runtime import cpu_flags

    measured = in_child({"what": "peaks"})
    peaks = {d: measured[d] for d in ("float32", "bfloat16")}
    flags = cpu_flags()
    has = ", ".join(f"{f} {'yes' if f in flags else 'no'}" for f in ("avx512_bf16", "amx_bf16"))
    print(
        f"dense matmul peak: float32 {peaks['float32']:.0f} GFLOP/s, bfloat16 "
        f"{peaks['bfloat16']:.0f} GFLOP/s (CPU: {has})",
        flush=True,
    )
    print(f"one step (batch {BATCH}): {measured['flops'] / 1e9:.1f} GFLOP", flush=True)
    table = contenders(args)
    windows = {name: [] for name in table}
    for round_ in range(args.rounds):
        for name, contender in table.items():
            job = {"what": "rate", "contender": contender, "mnist": args.mnist}
            rates = in_child({**job, "steps": args.steps, "windows": args.windows})
            windows[name] += rates
            print(
                f"round {round_ + 1}: {name}: " + ", ".join(f"{r:.0f}" for r in rates),
                "images/s",
                flush=True,
            )
    best = {name: max(rates) for name, rates in windows.items()}
    for name, rate in best.items():
        gflops = rate / BATCH * measured["flops"] / 1e9
        peak = peaks["bfloat16" if "bfloat16" in name else "float32"]
        print(
            f"{name}: best {rate:.0f} images/s (median {np.median(windows[name]):.0f}), "
            f"{rate / best[BASELINE]:.2f}x the baseline, "
            f"{gflops:.0f} GFLOP/s = {gflops / peak:.0%} of the {peak:.0f} GFLOP/s matmul peak"
        )


if __name__ == "__main__":
    main()
