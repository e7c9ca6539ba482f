"""Saves the whole model (weights, both optimizers, config) atomically at every epoch end."""

import keras

from tfgen.utils.io import atomic_path, write_json_atomic


class EpochCheckpoint(keras.callbacks.Callback):
    """Writes `model.keras` and a small JSON state after each epoch, each atomically.

    A run stopped at any moment leaves the last complete checkpoint; `tfgen train` with the
    same workdir resumes from it.

    Args:
        model_path: the `.keras` file.
        state_path: JSON file recording the completed epochs and anything in `state`.
        state: extra JSON-serialisable facts about the run (model name, data, settings).
        early_stopping: a `tfgen.callbacks.EarlyStopping` whose count is recorded too.
    """

    def __init__(self, model_path, state_path, state, early_stopping=None):
        super().__init__()
        self.model_path = model_path
        self.state_path = state_path
        self.state = dict(state)
        self.early_stopping = early_stopping

    def on_epoch_end(self, epoch, logs=None):
        with atomic_path(self.model_path) as tmp:
            self.model.save(tmp)
        logs = {k: float(v) for k, v in (logs or {}).items()}
        state = {**self.state, "epochs": epoch + 1, "last_logs": logs}
        if self.early_stopping is not None:
            state["early_stopping"] = self.early_stopping.state()
        write_json_atomic(self.state_path, state)
