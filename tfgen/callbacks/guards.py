"""Callbacks that stop training: on a wall-clock budget, and on non-finite losses."""

import math
import time

import keras


class TrainingDiverged(RuntimeError):
    """A tracked loss or metric became NaN or infinite; the weights are no longer usable."""


class NaNGuard(keras.callbacks.Callback):
    """Raises `TrainingDiverged` as soon as any logged value (not only `loss`) is not finite.

    Keras' `TerminateOnNaN` watches `logs["loss"]` only, which GANs do not report. Raising
    (rather than setting `stop_training`) skips the epoch-end callbacks, so no checkpoint is
    written from the diverged weights; place it before any checkpointing callback.
    """

    def on_train_batch_end(self, batch, logs=None):
        bad = {k: v for k, v in (logs or {}).items() if not math.isfinite(float(v))}
        if bad:
            names = ", ".join(f"{k}={float(v)}" for k, v in sorted(bad.items()))
            raise TrainingDiverged(f"training diverged at batch {batch}: {names}")


class TimeBudget(keras.callbacks.Callback):
    """Stops training cleanly once `max_seconds` of wall-clock time have passed.

    Checked after every batch; the epoch in progress ends early and epoch-end callbacks (the
    checkpoint among them) still run, so the model at the stop is saved.
    """

    def __init__(self, max_seconds):
        super().__init__()
        self.max_seconds = max_seconds
        self.stopped = False
        self._start = None

    def on_train_begin(self, logs=None):
        self._start = time.monotonic()

    def on_train_batch_end(self, batch, logs=None):
        if time.monotonic() - self._start >= self.max_seconds:
            self.stopped = True
            self.model.stop_training = True
