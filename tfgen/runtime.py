"""How a training run uses the machine: numeric precision, the tf.distribute strategy,
XLA and determinism. Set once, at the start of a run, before any model exists."""

import json
import os
import warnings
from dataclasses import asdict, dataclass

import keras
import tensorflow as tf

from tfgen.errors import InputError

PRECISIONS = ("float32", "mixed_float16", "mixed_bfloat16")
STRATEGIES = ("auto", "one_device", "mirrored", "multi_worker")


@dataclass(frozen=True)
class Runtime:
    """Args:
    precision: "float32", "mixed_float16" (GPUs; both optimizers are loss-scaled) or
        "mixed_bfloat16" (TPUs, recent CPUs and GPUs; no loss scaling needed). Variables
        stay float32; losses, penalties and metrics are computed in float32.
    strategy: "auto" (all local GPUs when there are several, else the default device),
        "one_device", "mirrored" (every local GPU, or every logical CPU) or
        "multi_worker" (MultiWorkerMirroredStrategy across the machines in TF_CONFIG).
    jit: True XLA-compiles the training step, False never does; None leaves Keras's "auto"
        (XLA on GPUs where the model supports it).
    deterministic: same seed, same weights, bit for bit (tf op determinism; slower).
    """

    precision: str = "float32"
    strategy: str = "auto"
    jit: bool | None = None
    deterministic: bool = False

    def __post_init__(self):
        for name, value, choices in [
            ("precision", self.precision, PRECISIONS),
            ("strategy", self.strategy, STRATEGIES),
        ]:
            if value not in choices:
                raise InputError(f"{name} must be one of {choices}. Received: {value!r}")

    def to_dict(self):
        return asdict(self)


def start_runtime(runtime, seed):
    """Applies `runtime` to this process and returns its tf.distribute strategy.

    The strategy is created first: MultiWorkerMirroredStrategy must exist before other ops.
    """
    strategy = make_strategy(runtime.strategy)
    slow = slow_precision(runtime.precision, accelerators(), cpu_flags())
    if slow:
        warnings.warn(slow, PrecisionWarning, stacklevel=2)
    keras.mixed_precision.set_dtype_policy(runtime.precision)
    keras.utils.set_random_seed(seed)
    if runtime.deterministic:
        tf.config.experimental.enable_op_determinism()
    return strategy


class PrecisionWarning(UserWarning):
    """The chosen precision is likely slower than float32 on this machine."""


def slow_precision(precision, accelerators, flags):
    """Why `precision` is likely slower than float32 with no GPU/TPU in `accelerators` and
    these CPU `flags`, or None.

    16-bit matmuls pay off on CPUs only with AMX: with AVX512-BF16 alone, bf16 matmuls ran at
    0.56x the float32 rate on an AVX-512 Xeon (`benchmarks/train_throughput.py`), and no CPU
    has fast float16 matmuls in TensorFlow.
    """
    if accelerators:
        return None
    if precision == "mixed_float16":
        return (
            "precision mixed_float16 without a GPU: CPUs compute float16 slowly; use float32, "
            "or mixed_bfloat16 on a CPU with AMX."
        )
    if precision == "mixed_bfloat16" and "amx_bf16" not in flags:
        return (
            "precision mixed_bfloat16 on a CPU without AMX (no amx_bf16 flag): its bfloat16 "
            "matmuls are likely slower than float32 ones (0.56x measured on an AVX512-BF16 Xeon)."
        )
    return None


def accelerators():
    return tf.config.list_logical_devices("GPU") + tf.config.list_logical_devices("TPU")


def cpu_flags():
    """The CPU's feature flags (Linux), or an empty set where they cannot be read."""
    try:
        with open("/proc/cpuinfo") as f:
            return set(next(line for line in f if line.startswith("flags")).split(":")[1].split())
    except (OSError, StopIteration, IndexError):
        return set()


def make_strategy(name):
    if name == "multi_worker":  # first: listing devices would start TF before its collectives
        if "TF_CONFIG" not in os.environ:
            raise InputError(
                "strategy multi_worker needs TF_CONFIG: the cluster's workers and this "
                'worker\'s index, e.g. {"cluster": {"worker": ["host1:12345", "host2:12345"]}, '
                '"task": {"type": "worker", "index": 0}}. Received: no TF_CONFIG.'
            )
        return tf.distribute.MultiWorkerMirroredStrategy()
    gpus = tf.config.list_logical_devices("GPU")
    if name == "auto":
        return tf.distribute.MirroredStrategy() if len(gpus) > 1 else tf.distribute.get_strategy()
    if name == "one_device":
        return tf.distribute.OneDeviceStrategy(gpus[0].name if gpus else "/cpu:0")
    devices = gpus or tf.config.list_logical_devices("CPU")  # mirrored: GPUs, else logical CPUs
    return tf.distribute.MirroredStrategy([d.name for d in devices])


def worker_role():
    """(is_chief, task name) of this process in a TF_CONFIG cluster; (True, None) outside one.

    The chief is the "chief" task, or worker 0 when there is none, as in Keras's guide.
    """
    config = json.loads(os.environ.get("TF_CONFIG") or "{}")
    task = config.get("task")
    if not task:
        return True, None
    kind, index = task.get("type", "worker"), int(task.get("index", 0))
    has_chief = "chief" in config.get("cluster", {})
    chief = kind == "chief" or (not has_chief and kind == "worker" and index == 0)
    return chief, f"{kind}-{index}"
