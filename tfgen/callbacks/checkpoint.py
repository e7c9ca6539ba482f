"""Saves the whole model (weights, both optimizers, config) and its run record as one unit at
every epoch end."""

import shutil

import keras

from tfgen.utils.io import atomic_path


class EpochCheckpoint(keras.callbacks.Callback):
    """Writes `model.keras` with the run record inside it after each epoch, atomically.

    The record (`tfgen.training.record.RunRecord`) is appended to the temporary archive before
    the rename that publishes it, so the checkpoint and its epoch count are committed together:
    a run stopped at any moment leaves the last complete checkpoint with its own record, and
    `tfgen train` with the same workdir resumes from exactly there. The derived
    `train_state.json` copy is written afterwards and never trusted over the archive. With an
    early stopper that leaves its best file to the checkpoint (`save_best=False`), an epoch that
    improved is copied to that file after its commit, never before.

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
        skipped = self.skipped() if self.skipped is not None else None
        record = self.record.after_epoch(epoch + 1, logs, stopping, skipped)
        with atomic_path(self.model_path) as tmp:
            self.model.save(tmp)
            record.write_into(tmp)
        self.record = record  # committed
        stopper = self.early_stopping
        if stopper is not None and not stopper.save_best and stopper.best_epoch == epoch + 1:
            copy_best(self.model_path, stopper.best_path)  # this epoch is the best so far
        if self.state_path is not None:
            record.write_copy(self.state_path)


def copy_best(model_path, best_path):
    """Copies the committed checkpoint (record included) to the early-stopping best file,
    atomically. Also how a resumed run repairs a best file a kill left one epoch behind."""
    with atomic_path(best_path) as tmp:
        shutil.copyfile(model_path, tmp)
