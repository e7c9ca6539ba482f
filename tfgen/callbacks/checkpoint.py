"""Saves the whole model (weights, both optimizers, config) and its run record as one unit at
every epoch end, or at the step where a time budget stopped the run; resumes mid-epoch."""

import shutil

import keras
import numpy as np

from tfgen.utils.io import atomic_path


class EpochCheckpoint(keras.callbacks.Callback):
    """Writes `model.keras` with the run record inside it after each epoch, atomically.

    The record (`tfgen.training.record.RunRecord`) is appended to the temporary archive before
    the rename that publishes it, so the checkpoint and its epoch count are committed together:
    a run stopped at any moment leaves the last complete checkpoint with its own record, and
    `tfgen train` with the same workdir resumes from exactly there. The derived
    `train_state.json` copy is written afterwards and never trusted over the archive. With an
    early stopper that leaves its best file to the checkpoint (`save_best=False`), an epoch that
    improved is copied to that file after its commit, never before. A run that a time budget
    stops mid-epoch commits once more, at that step (`save_mid_epoch`): the record then says
    how many steps of the next epoch the weights hold.

    Args:
        model_path: the `.keras` file.
        state_path: the derived JSON copy of the record, or None for none.
        record: the run's `RunRecord` as of the start of training.
        early_stopping: a `tfgen.callbacks.EarlyStopping` whose count is recorded too.
        skipped: () -> the "path: reason" lines of the files the data skipped so far, recorded
            too (files that fail to decode are known only once training has read them).
    """

    def __init__(self, model_path, state_path, record, early_stopping=None, skipped=None):
        super().__init__()
        self.model_path = model_path
        self.state_path = state_path
        self.record = record
        self.early_stopping = early_stopping
        self.skipped = skipped

    def on_epoch_end(self, epoch, logs=None):
        stopping = self.early_stopping.state() if self.early_stopping is not None else None
        record = self.record.after_epoch(epoch + 1, logs, stopping, self._skipped())
        self._commit(record)
        stopper = self.early_stopping
        if stopper is not None and not stopper.save_best and stopper.best_epoch == epoch + 1:
            copy_best(self.model_path, stopper.best_path)  # this epoch is the best so far
        if self.state_path is not None:
            record.write_copy(self.state_path)

    def save_mid_epoch(self, epoch, steps):
        """Commits the model `steps` steps into `epoch` (0-based; the epoch after the last
        finished one), with its metric state, for a run stopped at a step boundary
        (`tfgen.callbacks.BudgetSpent`). The last finished epoch's logs and early
        stopping's count stay as they were: a partial epoch is no epoch."""
        if epoch != self.record.epochs:
            raise ValueError(f"epoch {epoch} is not the one after epoch {self.record.epochs}")
        record = self.record.mid_epoch(steps, metric_state(self.model), self._skipped())
        self._commit(record)
        if self.state_path is not None:
            record.write_copy(self.state_path)

    def _skipped(self):
        return self.skipped() if self.skipped is not None else None

    def _commit(self, record):
        with atomic_path(self.model_path) as tmp:
            self.model.save(tmp)
            record.write_into(tmp)
        self.record = record  # committed


class ResumeMidEpoch(keras.callbacks.Callback):
    """Resumes a run `steps` steps into `epoch`, exactly: that epoch's first `steps` batches
    are read and dropped, not trained, and its metrics start from `state`.

    Keras 3's `BackupAndRestore(save_freq=N)` saves mid-epoch but restarts the epoch from its
    first batch. Here the epoch sees the batches an uninterrupted one would: the run replays
    the data's seeded shuffles, so this epoch's iterator draws the same permutation, and the
    train function reads past the batches already trained (`fit` keeps its one dataset and
    its per-epoch iterators, so later epochs' shuffles stay in step). The epoch-end logs then
    average over every step of the epoch, as an uninterrupted run's do.

    Args:
        epoch: the epoch to resume in (0-based).
        steps: its steps already trained.
        state: `metric_state(model)` at that step (from the run record).
    """

    def __init__(self, epoch, steps, state):
        super().__init__()
        self.epoch = epoch
        self.steps = steps
        self.state = state
        self._train_function = None

    def on_train_begin(self, logs=None):
        self._train_function = self.model.train_function  # made by `fit` before this hook
        left = self.steps

        def read_past_trained_batches(iterator):
            nonlocal left
            if left == 0:  # done: hand the loop back its own function
                self.model.train_function = self._train_function
                return self._train_function(iterator)
            next(iterator)  # one batch trained before the stop, not trained again
            left -= 1
            return self.model.get_metrics_result()  # the running means at the resume point

        self.model.train_function = read_past_trained_batches

    def on_epoch_begin(self, epoch, logs=None):
        if epoch == self.epoch:  # after `fit` reset the metrics
            restore_metric_state(self.model, self.state)

    def on_train_end(self, logs=None):
        self.restore()

    def restore(self):
        """Puts `fit`'s own train function back (also after an exception ended `fit`)."""
        if self._train_function is not None:
            self.model.train_function = self._train_function


def metric_state(model):
    """{metric name: its variables' values as JSON lists}: a Keras metric's running state
    (a `Mean`'s total and count), which `model.save` does not keep."""
    return {m.name: [np.asarray(v).tolist() for v in m.variables] for m in model.metrics}


def restore_metric_state(model, state):
    """Assigns `metric_state` values back to `model`'s metrics of the same names."""
    for metric in model.metrics:
        for variable, value in zip(metric.variables, state.get(metric.name, ())):
            variable.assign(np.asarray(value, variable.dtype))


def copy_best(model_path, best_path):
    """Copies the committed checkpoint (record included) to the early-stopping best file,
    atomically. Also how a resumed run repairs a best file a kill left one epoch behind."""
    with atomic_path(best_path) as tmp:
        shutil.copyfile(model_path, tmp)
