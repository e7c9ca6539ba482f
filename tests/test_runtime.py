"""Precision, distribution and determinism: what `tfgen.runtime` promises."""

import json
import os
import socket
import subprocess
import sys

import keras
import numpy as np
import pytest
import tensorflow as tf

from tfgen.cli.train import add_runtime_arguments
from tfgen.errors import InputError
from tfgen.models import build_model
from tfgen.models.optimizers import apply_update
from tfgen.runtime import PRECISIONS, STRATEGIES, Runtime, make_strategy, worker_role

TINY = dict(g_widths=[32, 16, 8], d_widths=[8, 16], latent_dim=8)


@pytest.fixture
def policy():
    """Restores float32 after a test that changes the global dtype policy."""
    yield keras.mixed_precision.set_dtype_policy
    keras.mixed_precision.set_dtype_policy("float32")


def test_cli_choices_match_the_runtime():
    import argparse

    parser = argparse.ArgumentParser()
    add_runtime_arguments(parser)
    choices = {a.dest: a.choices for a in parser._actions if a.choices}
    assert tuple(choices["precision"]) == PRECISIONS
    assert tuple(choices["strategy"]) == STRATEGIES
    with pytest.raises(InputError, match="precision must be one of"):
        Runtime(precision="float16")


def test_loss_scaling_cancels_out_in_the_applied_update():
    """Seeding the gradient with the loss scale and unscaling in the optimizer applies the
    same update, and reports the same gradient norm, as no scaling at all."""
    results = []
    for scaled in (False, True):
        w = keras.Variable([1.0, -2.0])
        sgd = keras.optimizers.SGD(0.1)
        optimizer = (
            keras.optimizers.LossScaleOptimizer(sgd, initial_scale=1024.0) if scaled else sgd
        )
        optimizer.build([w])
        with tf.GradientTape() as tape:
            loss = tf.reduce_sum(tf.square(w.value))  # gradient 2w = [2, -4], norm sqrt(20)
        norm = apply_update(optimizer, tape, loss, [w])
        results.append((w.numpy(), float(norm)))
    for weights, norm in results:
        np.testing.assert_allclose(weights, [1.0 - 0.2, -2.0 + 0.4], rtol=1e-6)
        assert norm == pytest.approx(np.sqrt(20.0), rel=1e-6)


def test_mixed_float16_gan_scales_both_optimizers(policy):
    policy("mixed_float16")
    gan = build_model("dcgan", (8, 8, 1), gradient_penalty=1.0, **TINY)
    for optimizer in (gan.d_optimizer, gan.g_optimizer):
        assert isinstance(optimizer, keras.optimizers.LossScaleOptimizer)
    assert gan.generator.layers[1].compute_dtype == "float16"
    assert all(v.dtype == "float32" for v in gan.trainable_variables)
    assert gan.generator.output.dtype == "float32"  # images leave G in float32
    before = [v.numpy().copy() for v in gan.generator.trainable_variables]
    logs = gan.train_step(tf.random.uniform([8, 8, 8, 1], -1.0, 1.0))
    assert all(np.isfinite(float(v)) for v in logs.values())
    after = gan.generator.trainable_variables
    assert any(not np.allclose(b, a.numpy()) for b, a in zip(before, after))
    assert float(gan.g_optimizer.dynamic_scale) > 1.0


def test_mixed_float16_samples_are_float32_images_in_range(policy):
    """The compiled sampler (XLA-compiled networks) under mixed_float16: float32 images in
    [0, 1], the eager Keras path's up to float16 rounding (eps 2**-10)."""
    from tfgen.models.base import in_chunks

    policy("mixed_float16")
    gan = build_model("dcgan", (8, 8, 1), ema_decay=0.9, **TINY)
    images = gan.sample(300, seed=3)
    assert images.dtype == np.float32 and images.shape == (300, 8, 8, 1)
    assert images.min() >= 0.0 and images.max() <= 1.0
    eager = in_chunks(gan.images_from_latents, gan.sample_latents(300, seed=3))
    np.testing.assert_allclose(images, eager, atol=1e-3)


def test_mixed_bfloat16_needs_no_loss_scale(policy):
    policy("mixed_bfloat16")
    gan = build_model("dcgan", (8, 8, 1), **TINY)
    assert not isinstance(gan.d_optimizer, keras.optimizers.LossScaleOptimizer)
    assert gan.discriminator.layers[1].compute_dtype == "bfloat16"
    logs = gan.train_step(tf.random.uniform([8, 8, 8, 1], -1.0, 1.0))
    assert all(np.isfinite(float(v)) for v in logs.values())


@pytest.mark.slow  # 6-11 s in the fast tier under xdist
def test_a_run_keeps_its_precision(tmp_path, policy):
    from tfgen.training import train

    common = dict(epochs=1, workdir=tmp_path, batch_size=64, hparams=TINY, verbose=0)
    train("dcgan", "digits", runtime=Runtime(precision="mixed_bfloat16"), **common)
    state = json.loads((tmp_path / "train_state.json").read_text())
    assert state["runtime"]["precision"] == "mixed_bfloat16"
    with pytest.raises(InputError, match="precision"):
        train("dcgan", "digits", **{**common, "epochs": 2})


def test_slow_precisions_are_named_before_training():
    from tfgen.runtime import slow_precision

    gpu = ["/device:GPU:0"]
    assert slow_precision("float32", [], set()) is None
    assert "float16" in slow_precision("mixed_float16", [], {"avx512f"})
    assert slow_precision("mixed_float16", gpu, set()) is None
    assert "AMX" in slow_precision("mixed_bfloat16", [], {"avx512f", "avx512_bf16"})
    assert slow_precision("mixed_bfloat16", [], {"avx512_bf16", "amx_bf16"}) is None
    assert slow_precision("mixed_bfloat16", gpu, set()) is None


def test_worker_role_from_tf_config(monkeypatch):
    cluster = {"worker": ["localhost:1", "localhost:2"]}
    monkeypatch.setenv("TF_CONFIG", json.dumps({"cluster": cluster, "task": {"index": 1}}))
    assert worker_role() == (False, "worker-1")
    monkeypatch.setenv("TF_CONFIG", json.dumps({"cluster": cluster, "task": {"index": 0}}))
    assert worker_role() == (True, "worker-0")
    monkeypatch.delenv("TF_CONFIG")
    assert worker_role() == (True, None)
    with pytest.raises(InputError, match="multi_worker needs TF_CONFIG"):
        make_strategy("multi_worker")


TRAIN_IN_FRESH_PROCESS = """
import sys, json
import numpy as np
import tensorflow as tf
from tfgen.models import load_model
from tfgen.runtime import Runtime
from tfgen.training import train

workdir, strategy, deterministic = sys.argv[1], sys.argv[2], sys.argv[3] == "1"
if strategy != "multi_worker":  # collective ops of multi_worker must come first
    cpu = tf.config.list_physical_devices("CPU")[0]
    tf.config.set_logical_device_configuration(cpu, [tf.config.LogicalDeviceConfiguration()] * 2)
hparams = dict(g_widths=[32, 16, 8], d_widths=[8, 16], latent_dim=8, ema_decay=0.9)
result = train("dcgan", "digits", epochs=1, workdir=workdir, batch_size=32, hparams=hparams,
               verbose=0, runtime=Runtime(strategy=strategy, deterministic=deterministic))
model = load_model(result.paths.model)  # what was saved: this worker's checkpoint
np.savez(result.paths.workdir / "weights.npz", *[w.numpy() for w in model.weights])
"""


def _train_fresh(tmp_path, name, strategy, deterministic=False, env=None):
    script = tmp_path / "train.py"
    script.write_text(TRAIN_IN_FRESH_PROCESS)
    workdir = tmp_path / name
    result = subprocess.run(
        [sys.executable, str(script), str(workdir), strategy, "1" if deterministic else "0"],
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2", **(env or {})},
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return workdir


def _weights(workdir):
    with np.load(workdir / "weights.npz") as saved:
        return [saved[k] for k in sorted(saved.files, key=lambda k: int(k.split("_")[1]))]


@pytest.mark.slow
def test_mirrored_on_two_cpus_makes_the_one_device_update(tmp_path):
    """56 steps of a DCGAN (batch norm, EMA) on 2 replicas of 16 images each end where one
    device with batches of 32 ends: the losses are averaged over the global batch, batch norm
    sees the global batch, and the replicas draw the global batch's noise between them."""
    one = _weights(_train_fresh(tmp_path, "one", "one_device"))
    two = _weights(_train_fresh(tmp_path, "two", "mirrored"))
    differences = [np.abs(a - b).max() for a, b in zip(one, two)]
    assert max(differences) < 1e-4, differences


def _free_port():
    with socket.socket() as s:
        s.bind(("localhost", 0))
        return s.getsockname()[1]


@pytest.mark.slow
def test_two_workers_train_one_model(tmp_path):
    """MultiWorkerMirroredStrategy across two processes on localhost: both end with the same
    weights, and only the chief writes into the run's folder and TensorBoard logs."""
    script = tmp_path / "train.py"
    script.write_text(TRAIN_IN_FRESH_PROCESS)
    cluster = {"worker": [f"localhost:{_free_port()}", f"localhost:{_free_port()}"]}
    workdir = tmp_path / "run"
    workers = [
        subprocess.Popen(
            [sys.executable, str(script), str(workdir), "multi_worker", "0"],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env={
                **os.environ,
                "TF_CPP_MIN_LOG_LEVEL": "2",
                "TF_CONFIG": json.dumps(
                    {"cluster": cluster, "task": {"type": "worker", "index": i}}
                ),
            },
        )
        for i in range(2)
    ]
    for worker in workers:
        _, stderr = worker.communicate(timeout=300)
        assert worker.returncode == 0, stderr[-3000:]
    chief, other = _weights(workdir), _weights(workdir / "workers" / "worker-1")
    for a, b in zip(chief, other):
        np.testing.assert_array_equal(a, b)
    assert (workdir / "logs").is_dir() and not (workdir / "workers" / "worker-1" / "logs").exists()


@pytest.mark.slow
def test_deterministic_runs_are_bit_identical(tmp_path):
    first = _weights(_train_fresh(tmp_path, "a", "one_device", deterministic=True))
    second = _weights(_train_fresh(tmp_path, "b", "one_device", deterministic=True))
    for a, b in zip(first, second):
        np.testing.assert_array_equal(a, b)
