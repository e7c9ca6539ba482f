"""`max_seconds` stops at a step boundary; the checkpoint records the step, and a resumed run
finishes the interrupted epoch from the next step, ending where an uninterrupted run ends.

The budget's clock is a fake that advances one second each time it is read, so where a run
stops is decided by counting steps, never by racing the wall clock."""

import functools
import json
from pathlib import Path

import keras
import numpy as np
import pytest
import tensorflow as tf

import tfgen.training.run as run_module
from tfgen.callbacks import BudgetSpent, ResumeMidEpoch, TimeBudget
from tfgen.runtime import Runtime
from tfgen.training import RunRecord, read_record, train
from tfgen.training.record import MID_EPOCH_FORMAT


class Ticks:
    """A clock that reads 0 first and one second more at every later read."""

    def __init__(self):
        self.now = -1.0

    def __call__(self):
        self.now += 1.0
        return self.now


class FakeModel:
    stop_training = False


def budget(max_seconds, steps_per_epoch=7, resumed_at=None):
    callback = TimeBudget(max_seconds, resumed_at=resumed_at, clock=Ticks())
    callback.set_model(FakeModel())
    callback.set_params({"epochs": 3, "steps": steps_per_epoch, "verbose": 0})
    callback.on_train_begin()  # the clock's first read: 0
    return callback


def test_the_budget_stops_after_the_step_that_spent_it_mid_epoch():
    callback = budget(3)
    callback.on_epoch_begin(0)
    callback.on_train_batch_end(0)  # 1 s
    callback.on_train_batch_end(1)  # 2 s
    with pytest.raises(BudgetSpent) as raised:
        callback.on_train_batch_end(2)  # 3 s: spent after the third step
    assert (raised.value.epoch, raised.value.steps) == (0, 3)
    assert callback.stopped and not callback.model.stop_training  # fit must not end the epoch


def test_at_an_epochs_last_step_or_its_end_the_epoch_finishes():
    callback = budget(7)
    callback.on_epoch_begin(0)
    for batch in range(6):
        callback.on_train_batch_end(batch)  # 1..6 s
    callback.on_train_batch_end(6)  # 7 s, and the last of 7 steps: a whole epoch, no raise
    assert callback.stopped and callback.model.stop_training

    callback = budget(8)
    callback.on_epoch_begin(0)
    for batch in range(7):
        callback.on_train_batch_end(batch)
    callback.on_epoch_end(0)  # 8 s, e.g. after validation: no further epoch starts
    assert callback.stopped and callback.model.stop_training


def test_steps_trained_before_a_resume_never_stop_it_and_do_not_read_the_clock():
    callback = budget(1, resumed_at=(2, 4))
    callback.on_epoch_begin(2)
    for batch in range(4):  # replayed without training: no clock read, no stop
        callback.on_train_batch_end(batch)
    with pytest.raises(BudgetSpent) as raised:
        callback.on_train_batch_end(4)  # the first step trained in this run, 1 s
    assert (raised.value.epoch, raised.value.steps) == (2, 5)  # counted within the epoch


def test_a_mid_epoch_record_is_refused_by_a_reader_of_format_1_only():
    """A tfgen that knows only epoch-boundary records would retrain the recorded steps; the
    format says it must not read it (it asks for an upgrade instead)."""
    facts = dict(model="ae", data="digits", hparams={}, batch_size=8, seed=0,
                 validation_split=None, data_options={}, runtime={}, tfgen_version="0")  # fmt: skip
    record = RunRecord(**facts).after_epoch(2, {"loss": 0.5})
    assert record.format == 1
    mid = record.mid_epoch(5, {"loss": [[2.0], [5.0]]})
    assert (mid.epochs, mid.steps, mid.last_logs) == (2, 5, {"loss": 0.5})
    assert mid.format == MID_EPOCH_FORMAT == 2
    assert RunRecord.from_dict(json.loads(json.dumps(mid.to_dict())), "x") == mid
    assert mid.after_epoch(3, {"loss": 0.4}).format == 1  # the next epoch end: a boundary
    assert mid.after_epoch(3, {}).steps == 0 and mid.after_epoch(3, {}).metric_state == {}


class Recorder(keras.Model):
    """Learns nothing: its step keeps each batch it is given and averages it into `mean`."""

    def __init__(self):
        super().__init__()
        self.mean = keras.metrics.Mean("mean")
        self.trained = []

    def train_step(self, data):
        self.trained.append(data.numpy().tolist())
        self.mean.update_state(data)
        return {"mean": self.mean.result()}


def test_resuming_mid_epoch_reads_past_the_trained_batches_and_keeps_the_epochs_mean():
    model = Recorder()
    model.compile(run_eagerly=True)
    batches = tf.data.Dataset.range(8).map(lambda x: tf.cast(x, tf.float32)).batch(2)
    trained_before = metric_state_after([0.0, 1.0, 2.0, 3.0])  # the stopped run's 2 steps
    resume = ResumeMidEpoch(0, 2, trained_before)
    history = model.fit(batches, epochs=2, callbacks=[resume], verbose=0)
    assert model.trained == [[4, 5], [6, 7], [0, 1], [2, 3], [4, 5], [6, 7]]
    assert history.history["mean"] == [28 / 8, 28 / 8]  # epoch 1 counts its first 2 steps
    assert model.train_function is resume._train_function  # fit's own, put back


def metric_state_after(values):
    mean = keras.metrics.Mean("mean")
    mean.update_state(values)
    return {"mean": [np.asarray(v).tolist() for v in mean.variables]}


# ---- a real run, stopped twice mid-epoch and resumed -----------------------------------------

GAN = dict(g_widths=[16, 8], d_widths=[8], latent_dim=4, ema_decay=0.9)
STEPS_PER_EPOCH = 1797 // 256  # 7: digits, batch 256, the last partial batch dropped


def train_gan(workdir, epochs, max_seconds=None):
    return train("dcgan", "digits", epochs=epochs, workdir=workdir, batch_size=256,
                 hparams=GAN, verbose=0, max_seconds=max_seconds,
                 runtime=Runtime(deterministic=True))  # fmt: skip


def weights(path):
    return [w.numpy() for w in keras.saving.load_model(path).weights]


def epoch_steps(logs, tag):
    """The steps of `tag` in every TensorBoard event file under `logs`."""
    steps = []
    for file in Path(logs).glob("**/events.out.tfevents.*"):
        for event in tf.compat.v1.train.summary_iterator(str(file)):
            steps += [event.step for value in event.summary.value if value.tag == tag]
    return sorted(steps)


@pytest.mark.slow
def test_a_run_stopped_mid_epoch_twice_resumes_to_the_uninterrupted_weights(tmp_path, monkeypatch):
    """Shuffled digits, a DCGAN with EMA (both optimizers, noise from (seed, step)):
    stopped 3 steps into epoch 1, then 3 steps into epoch 2, then trained to the end. The
    weights match an uninterrupted run bit for bit (deterministic ops on CPU), and so do the
    logged means of the epochs that were interrupted."""
    whole = train_gan(tmp_path / "whole", epochs=2)
    assert whole.steps == 0 and whole.record.format == 1

    monkeypatch.setattr(run_module, "TimeBudget", functools.partial(TimeBudget, clock=Ticks()))
    run = tmp_path / "stopped"
    first = train_gan(run, epochs=2, max_seconds=3)  # after the 3rd step: 3 clock seconds
    assert (first.stopped_by, first.epochs, first.steps) == ("max_seconds", 0, 3)
    assert first.history == {}  # no epoch finished
    record = read_record(run / "model.keras")
    assert (record.epochs, record.steps, record.format) == (0, 3, MID_EPOCH_FORMAT)
    assert record.metric_state["d_loss"][1] == 3 * 256  # a Mean's count: 3 batches
    assert json.loads((run / "train_state.json").read_text())["steps"] == 3
    assert epoch_steps(run / "logs", "epoch_d_loss") == []  # the partial epoch is no epoch
    assert epoch_steps(run / "logs", "health/diversity_ratio") == []

    monkeypatch.setattr(run_module, "TimeBudget", functools.partial(TimeBudget, clock=Ticks()))
    # the 4 remaining steps of epoch 1 (1-4 s), its end (5 s), then epoch 2's steps (6-8 s)
    second = train_gan(run, epochs=2, max_seconds=8)
    assert (second.stopped_by, second.epochs, second.steps) == ("max_seconds", 1, 3)
    assert second.history == {k: v[:1] for k, v in whole.history.items()}  # epoch 1's means

    monkeypatch.undo()
    last = train_gan(run, epochs=2)
    assert (last.stopped_by, last.epochs, last.steps) == (None, 2, 0)
    assert last.history == {k: v[1:] for k, v in whole.history.items()}
    assert last.record.format == 1 and last.record.metric_state == {}
    gan = keras.saving.load_model(run / "model.keras")
    assert int(gan.g_optimizer.iterations) == 2 * STEPS_PER_EPOCH  # no step twice, none lost

    ours, theirs = weights(run / "model.keras"), weights(tmp_path / "whole" / "model.keras")
    assert len(ours) == len(theirs) > 20
    for a, b in zip(ours, theirs):
        np.testing.assert_array_equal(a, b)
    # one summary per finished epoch, none for the partial ones
    assert epoch_steps(run / "logs", "epoch_d_loss") == [0, 1]
    assert epoch_steps(run / "logs", "health/diversity_ratio") == [0, 1]


AE = {"architecture": "dense", "widths": [16], "code_size": 2}


def train_ae(workdir, epochs=2, max_seconds=None):
    return train("ae", "digits", epochs=epochs, workdir=workdir, batch_size=256, hparams=AE,
                 verbose=0, max_seconds=max_seconds, early_stopping=3,
                 runtime=Runtime(deterministic=True))  # fmt: skip


@pytest.mark.slow
def test_a_mid_epoch_stop_leaves_early_stoppings_best_epoch_and_validation_alone(
    tmp_path, monkeypatch
):
    """An autoencoder with a validation split and early stopping, stopped 2 steps into epoch
    2: the best file stays epoch 1's (the checkpoint now holds steps past it, which a resume
    must not take for the best epoch), and no validation ran on the partial epoch."""
    whole = train_ae(tmp_path / "whole")
    monkeypatch.setattr(run_module, "TimeBudget", functools.partial(TimeBudget, clock=Ticks()))
    run = tmp_path / "stopped"
    # epoch 1's 7 steps (1-7 s) and its end (8 s), then epoch 2's steps (9, 10 s)
    first = train_ae(run, max_seconds=10)
    assert (first.epochs, first.steps) == (1, 2)
    assert first.history["val_loss"] == whole.history["val_loss"][:1]  # epoch 1's only
    assert first.record.early_stopping["best_epoch"] == 1
    best = (run / "best.keras").read_bytes()
    assert read_record(run / "best.keras").steps == 0

    monkeypatch.undo()
    # reopening the folder repairs a best file a kill left behind, from a checkpoint at the
    # best epoch; one 2 steps past it is not that epoch
    assert train_ae(run, epochs=1).stopped_by == "already_trained"
    assert (run / "best.keras").read_bytes() == best
    last = train_ae(run)
    assert (last.epochs, last.steps) == (2, 0)
    assert last.history == {k: v[1:] for k, v in whole.history.items()}  # epoch 2, exactly
    for a, b in zip(weights(run / "model.keras"), weights(tmp_path / "whole" / "model.keras")):
        np.testing.assert_array_equal(a, b)


@pytest.mark.slow
def test_a_dataset_of_unknown_length_resumes_mid_epoch_to_the_same_weights(tmp_path, monkeypatch):
    """A streamed folder with skip_errors (tf.data's `ignore_errors`: the length is unknown,
    so Keras learns it only when the data runs out, and no epoch's end draws a spare
    shuffle), stopped 2 steps into epoch 3: the third epoch's shuffle and the rest of it are
    those of an uninterrupted run."""
    from tests.data.test_streaming import write_folder

    write_folder(tmp_path / "data", n=16, size=(8, 8), channels=1)

    def train_folder(workdir, max_seconds=None):
        return train("ae", str(tmp_path / "data"), epochs=3, workdir=workdir, batch_size=4,
                     hparams=AE, verbose=0, max_seconds=max_seconds, skip_errors=True,
                     runtime=Runtime(deterministic=True))  # fmt: skip

    whole = train_folder(tmp_path / "whole")
    monkeypatch.setattr(run_module, "TimeBudget", functools.partial(TimeBudget, clock=Ticks()))
    run = tmp_path / "stopped"
    # 15 training images: 4 steps an epoch (1-4 s, 6-9 s) and its end (5 s, 10 s), then 11, 12 s
    first = train_folder(run, max_seconds=12)
    assert (first.epochs, first.steps) == (2, 2)
    monkeypatch.undo()
    last = train_folder(run)
    assert (last.epochs, last.steps) == (3, 0)
    assert last.history == {k: v[2:] for k, v in whole.history.items()}
    for a, b in zip(weights(run / "model.keras"), weights(tmp_path / "whole" / "model.keras")):
        np.testing.assert_array_equal(a, b)


MIRRORED_STOP_AND_RESUME = """
import functools
import numpy as np
import tensorflow as tf

cpu = tf.config.list_physical_devices("CPU")[0]
tf.config.set_logical_device_configuration(cpu, [tf.config.LogicalDeviceConfiguration()] * 2)

import tfgen.training.run as run_module
from tfgen.callbacks import TimeBudget
from tfgen.models import load_model
from tfgen.runtime import Runtime
from tfgen.training import train
from tests.training.test_time_budget import GAN, Ticks


def run(workdir, max_seconds=None):
    return train("dcgan", "digits", epochs=2, workdir=workdir, batch_size=256, hparams=GAN,
                 verbose=0, max_seconds=max_seconds, monitor=False,
                 runtime=Runtime(strategy="mirrored", deterministic=True))


run("whole")
run_module.TimeBudget = functools.partial(TimeBudget, clock=Ticks())
stopped = run("stopped", max_seconds=10)  # epoch 1 (1-7 s, its end 8 s), 2 steps of epoch 2
run_module.TimeBudget = TimeBudget
last = run("stopped")
a, b = (load_model(f"{d}/model.keras").get_weights() for d in ("whole", "stopped"))
difference = max(float(np.abs(x - y).max()) for x, y in zip(a, b))
print(stopped.epochs, stopped.steps, last.epochs, difference)
"""


@pytest.mark.slow
def test_a_mirrored_run_stopped_mid_epoch_resumes_to_the_uninterrupted_weights(tmp_path):
    """Two replicas on two logical CPUs (a fresh process): the resumed epoch reads its trained
    batches from the distributed iterator and restores the replicas' metric state."""
    from tests.conftest import REPO, run_python

    out = run_python(
        f"import sys; sys.path.insert(0, {str(REPO)!r})\n" + MIRRORED_STOP_AND_RESUME,
        cwd=tmp_path,
    )
    stopped_epochs, stopped_steps, epochs, difference = out.split()
    assert (stopped_epochs, stopped_steps, epochs) == ("1", "2", "2")
    assert float(difference) == 0.0
