"""How a training run uses the machine: numeric precision, the tf.distribute strategy,
XLA and determinism. Set once, at the start of a run, before any model exists."""

import json
import os
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
    keras.mixed_precision.set_dtype_policy(runtime.precision)
    keras.utils.set_random_seed(seed)
    if runtime.deterministic:
        tf.config.experimental.enable_op_determinism()
    return strategy


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
