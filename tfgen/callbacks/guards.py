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


class BudgetSpent(Exception):
    """Raised by `TimeBudget` after the step that used up the time budget, mid-epoch.

    Raising (as `NaNGuard` does) rather than setting `stop_training` keeps Keras from ending
    the epoch: no validation, and no epoch-end callback (checkpoint, TensorBoard, health,
    early stopping) treats the partial epoch as a finished one. Whoever runs `fit` catches it
    and commits the model `steps` steps into epoch `epoch` (`EpochCheckpoint.save_mid_epoch`).

    Attributes:
        epoch: the interrupted epoch (0-based, as Keras counts).
        steps: the steps of that epoch trained, counting those of a run it resumed.
    """

    def __init__(self, epoch, steps):
        super().__init__(f"the time budget ran out {steps} step(s) into epoch {epoch + 1}")
        self.epoch = epoch
        self.steps = steps


class TimeBudget(keras.callbacks.Callback):
    """Stops training at the first step boundary after `max_seconds` of wall-clock time.

    Checked after every step (one clock read) and at every epoch end. At an epoch end, or
    after an epoch's last step, the epoch finishes normally and training stops. Mid-epoch it
    raises `BudgetSpent`, so the run can save the exact step and a resumed run can finish
    that epoch. The clock starts at the first `fit` it serves.

    Args:
        max_seconds: the budget.
        resumed_at: (epoch, steps) when the run resumes `steps` steps into `epoch`: the
            first `steps` batches of that epoch were trained before (`ResumeMidEpoch` reads
            them without training), so the budget never stops there.
        clock: () -> seconds; `time.monotonic` (tests pass a fake one).
    """

    def __init__(self, max_seconds, resumed_at=None, clock=time.monotonic):
        super().__init__()
        self.max_seconds = max_seconds
        self.resumed_at = resumed_at
        self.clock = clock
        self.stopped = False
        self._start = None
        self._epoch = None

    def on_train_begin(self, logs=None):
        if self._start is None:
            self._start = self.clock()

    def on_epoch_begin(self, epoch, logs=None):
        self._epoch = epoch

    def on_train_batch_end(self, batch, logs=None):
        steps = batch + 1
        if self._replayed(steps) or not self._spent():
            return
        if steps == (self.params or {}).get("steps"):  # the epoch's last: let the epoch end
            self.model.stop_training = True
            return
        raise BudgetSpent(self._epoch, steps)

    def on_epoch_end(self, epoch, logs=None):
        if self._spent():  # e.g. during validation: do not start another epoch
            self.model.stop_training = True

    def _replayed(self, steps):
        """Whether step `steps` of this epoch was trained before the resume."""
        if self.resumed_at is None:
            return False
        epoch, trained = self.resumed_at
        return self._epoch == epoch and steps <= trained

    def _spent(self):
        if self.clock() - self._start < self.max_seconds:
            return False
        self.stopped = True
        return True
