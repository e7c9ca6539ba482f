"""Early stopping on the validation loss whose state survives a resumed run."""

import math

import keras

from tfgen.errors import InputError
from tfgen.utils.io import atomic_path


class EarlyStopping(keras.callbacks.Callback):
    """Stops training once `monitor` has not improved for `patience` epochs, and leaves the
    best epoch's weights in the model (so in the run's last checkpoint).

    Unlike `keras.callbacks.EarlyStopping`, the best weights live in a file (`best_path`, a
    `.keras` file written atomically) and the count in `state()`, which the run's checkpoint
    records: a run killed and resumed counts on where it stopped.

    Args:
        patience: epochs without improvement before stopping.
        best_path: where the best epoch's model is kept.
        state: a previous `state()` of this run, to resume from.
        monitor: the logged value to minimise.
        save_best: write `best_path` here when the monitored value improves. A training run
            passes False and lets its `EpochCheckpoint` copy the epoch's committed checkpoint
            to `best_path` after the commit: then an epoch killed before its checkpoint never
            replaces the best file the run's record points to.
    """

    def __init__(self, patience, best_path, state=None, monitor="val_loss", save_best=True):
        super().__init__()
        self.patience = patience
        self.best_path = best_path
        self.monitor = monitor
        self.save_best = save_best
        state = state or {}
        self.best = state.get("best", math.inf)
        self.best_epoch = state.get("best_epoch")
        self.wait = state.get("wait", 0)
        self.stopped = state.get("stopped", False)

    def state(self):
        return {
            "monitor": self.monitor,
            "patience": self.patience,
            "best": self.best,
            "best_epoch": self.best_epoch,
            "wait": self.wait,
            "stopped": self.stopped,
        }

    def on_epoch_end(self, epoch, logs=None):
        current = (logs or {}).get(self.monitor)
        if current is None:  # `train` refuses such models before training; this is for others
            raise InputError(
                f"early_stopping monitors {self.monitor!r}, but the model logged only "
                f"{sorted(logs or {})}; it needs a model whose held-out step reports 'loss' "
                "and a validation split."
            )
        if current < self.best:
            self.best, self.best_epoch, self.wait = float(current), epoch + 1, 0
            if self.save_best:
                with atomic_path(self.best_path) as tmp:
                    self.model.save(tmp)
            return
        self.wait += 1
        if self.wait >= self.patience:
            self.model.load_weights(self.best_path)
            self.model.stop_training = self.stopped = True
