"""Early stopping: stops after `patience` epochs without improvement, ends on the best
epoch's weights, and survives a resumed run."""

import json

import keras
import numpy as np
import pytest

from tfgen.callbacks import EarlyStopping
from tfgen.errors import InputError


def tiny_model():
    model = keras.Sequential([keras.Input((1,)), keras.layers.Dense(1)])
    model.compile(optimizer="sgd", loss="mse")
    return model


def run_epochs(stopper, model, losses, first_epoch=0):
    """Feeds `losses` as val_loss; before each epoch's end sets every weight to the epoch's
    number, so the weights say which epoch they came from."""
    for epoch, loss in enumerate(losses, start=first_epoch):
        model.set_weights([np.full_like(w, epoch) for w in model.get_weights()])
        stopper.on_epoch_end(epoch, {"val_loss": loss})
        if model.stop_training:
            return epoch
    return None


def test_stops_after_patience_epochs_on_the_best_weights(tmp_path):
    model = tiny_model()
    stopper = EarlyStopping(2, tmp_path / "best.keras")
    stopper.set_model(model)
    # best at epoch index 1 (loss 2.0); 2.5 and 2.0 (not lower) are two epochs without gain
    stopped_at = run_epochs(stopper, model, [3.0, 2.0, 2.5, 2.0, 1.0])
    assert stopped_at == 3 and stopper.stopped
    assert all(np.all(w == 1) for w in model.get_weights())  # epoch 1's weights
    assert stopper.state() == {
        "monitor": "val_loss",
        "patience": 2,
        "best": 2.0,
        "best_epoch": 2,  # 1-based, like the run's epoch count
        "wait": 2,
        "stopped": True,
    }


def test_a_resumed_count_continues_where_it_stopped(tmp_path):
    model = tiny_model()
    first = EarlyStopping(3, tmp_path / "best.keras")
    first.set_model(model)
    assert run_epochs(first, model, [3.0, 2.0, 2.5]) is None  # killed here: one epoch waited
    state = json.loads(json.dumps(first.state()))  # as the run's checkpoint stores it
    resumed = EarlyStopping(3, tmp_path / "best.keras", state)
    resumed.set_model(model)
    # two more epochs without gain make three: without the saved count it would go on
    assert run_epochs(resumed, model, [2.2, 2.1, 0.5], first_epoch=3) == 4
    assert all(np.all(w == 1) for w in model.get_weights())


def test_a_training_run_stops_early_and_stays_stopped(tmp_path):
    from tfgen.training import train

    # a learning rate this high makes the held-out loss stop improving within a few epochs
    hparams = {"architecture": "dense", "widths": [32], "code_size": 4, "learning_rate": 0.5}
    common = dict(workdir=tmp_path, batch_size=64, hparams=hparams, verbose=0)
    result = train("ae", "digits", epochs=60, early_stopping=2, **common)
    assert result.stopped_by == "early_stopping" and result.epochs < 60
    state = json.loads((tmp_path / "train_state.json").read_text())["early_stopping"]
    assert state["stopped"] and state["wait"] == 2
    assert state["best_epoch"] == result.epochs - 2
    assert state["best"] == pytest.approx(
        result.history["val_loss"][state["best_epoch"] - 1], rel=1e-6
    )
    best = keras.models.load_model(tmp_path / "best.keras")
    saved = keras.models.load_model(tmp_path / "model.keras")
    for a, b in zip(best.get_weights(), saved.get_weights()):
        np.testing.assert_array_equal(a, b)
    again = train("ae", "digits", epochs=60, early_stopping=2, **common)
    assert again.stopped_by == "early_stopping" and again.epochs == result.epochs


def test_early_stopping_needs_a_validation_split(tmp_path):
    from tfgen.training import train

    with pytest.raises(InputError, match="no validation split"):
        train("ae", "digits", epochs=2, workdir=tmp_path, validation_split=0.0, early_stopping=2)
    with pytest.raises(InputError, match="early_stopping must be a positive"):
        train("ae", "digits", epochs=2, workdir=tmp_path, early_stopping=0)
