"""The NaN guard stops on any non-finite log and no checkpoint ever holds diverged weights."""

import json
import math

import keras
import numpy as np
import pytest

from tfgen.callbacks import EpochCheckpoint, NaNGuard, TrainingDiverged
from tfgen.data import load_dataset
from tfgen.models import load_model
from tfgen.models.dcgan import build_dcgan
from tfgen.training.record import RunRecord


def test_guard_watches_every_logged_value_not_only_loss():
    guard = NaNGuard()
    guard.on_train_batch_end(0, {"d_loss": 0.7, "g_loss": 1.2})
    with pytest.raises(TrainingDiverged, match=r"batch 4: g_loss=nan"):
        guard.on_train_batch_end(4, {"d_loss": 0.7, "g_loss": math.nan})
    with pytest.raises(TrainingDiverged, match="d_loss=inf"):
        guard.on_train_batch_end(5, {"d_loss": math.inf})


class PoisonAtEpoch(keras.callbacks.Callback):
    def __init__(self, epoch):
        super().__init__()
        self.epoch = epoch

    def on_epoch_begin(self, epoch, logs=None):
        if epoch == self.epoch:
            for v in self.model.discriminator.trainable_variables:
                v.assign(np.full(v.shape, np.nan, np.float32))


def test_divergence_keeps_the_last_good_checkpoint(tmp_path):
    gan = build_dcgan((8, 8, 1), g_widths=[16, 8, 4], d_widths=[4, 8], latent_dim=4)
    ds = load_dataset("digits", batch_size=64, drop_remainder=True).take(3)
    record = RunRecord("dcgan", "digits", {}, 64, 0, None, {}, {}, "test")
    callbacks = [
        NaNGuard(),
        PoisonAtEpoch(1),
        EpochCheckpoint(tmp_path / "model.keras", tmp_path / "state.json", record),
    ]
    with pytest.raises(TrainingDiverged):
        gan.fit(ds, epochs=3, callbacks=callbacks, verbose=0)
    assert json.loads((tmp_path / "state.json").read_text())["epochs"] == 1
    saved = load_model(tmp_path / "model.keras")
    assert all(np.all(np.isfinite(v.numpy())) for v in saved.variables)
