"""The run record and the locked run folder: the checkpoint and its epoch count are one unit,
two runs never share a folder, killed writers' leftovers are cleaned, early stopping is
offered only where a validation loss exists."""

import json
import os
import re
import signal
import subprocess
import sys
import time
import zipfile

import keras
import numpy as np
import pytest

from tfgen.errors import InputError
from tfgen.models import MODELS, build_model, get_spec
from tfgen.training import RunRecord, read_record, run_state_of, train
from tfgen.training.record import RECORD_ENTRY
from tfgen.training.run import _reports_validation_loss
from tfgen.utils.io import locked_folder, remove_stale_temporaries

AE = {"architecture": "dense", "widths": [16], "code_size": 2}
ENV = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2"}


def train_ae(workdir, epochs=1, **kwargs):
    return train("ae", "digits", epochs=epochs, workdir=workdir, batch_size=256, hparams=AE,
                 verbose=0, **kwargs)  # fmt: skip


def cli(*argv, cwd=None):
    """`tfgen ARGV` in a fresh process: (exit status, stderr without TensorFlow's own start-up
    lines, which TF_CPP_MIN_LOG_LEVEL does not silence)."""
    code = "import sys; from tfgen.cli import main; sys.exit(main())"
    done = subprocess.run(
        [sys.executable, "-c", code, *map(str, argv)],
        capture_output=True, text=True, cwd=cwd, env=ENV, timeout=300,
    )  # fmt: skip
    ours = [line for line in done.stderr.splitlines() if not _TF_NOISE.match(line)]
    return done.returncode, "\n".join(ours)


_TF_NOISE = re.compile(r"^(WARNING: All log messages before absl|[IWE]\d{4} )")


def record(**changes):
    facts = dict(
        model="ae",
        data="digits",
        hparams=AE,
        batch_size=256,
        seed=0,
        validation_split=0.1,
        data_options={},
        runtime={},
        tfgen_version="0",
    )
    return RunRecord(**{**facts, **changes})  # fmt: skip


# ---- the record -----------------------------------------------------------------------------


def test_keras_loads_an_archive_carrying_the_record(tmp_path):
    model = build_model("ae", (8, 8, 1), **AE)
    path = tmp_path / "model.keras"
    model.save(path)
    record(epochs=3, last_logs={"loss": 0.5}).write_into(path)
    assert RECORD_ENTRY in zipfile.ZipFile(path).namelist()
    loaded = keras.saving.load_model(path)
    for a, b in zip(model.get_weights(), loaded.get_weights()):
        np.testing.assert_array_equal(a, b)
    assert read_record(path) == record(epochs=3, last_logs={"loss": 0.5})
    assert run_state_of(path)["epochs"] == 3  # the public dict form, e.g. for export metadata
    # the record travels with the file: a copy elsewhere still knows its run
    (tmp_path / "elsewhere").mkdir()
    (tmp_path / "elsewhere" / "copy.keras").write_bytes(path.read_bytes())
    assert read_record(tmp_path / "elsewhere" / "copy.keras").epochs == 3


def test_an_unreadable_record_names_the_file(tmp_path):
    broken = tmp_path / "model.keras"
    broken.write_bytes(b"not a zip")
    with pytest.raises(InputError, match=f"{broken}.*not a .keras archive"):
        read_record(broken)
    with zipfile.ZipFile(broken, "w") as z:
        z.writestr(RECORD_ENTRY, "{half")
    with pytest.raises(InputError, match=f"{broken}.*unreadable run record"):
        read_record(broken)
    with zipfile.ZipFile(broken, "w") as z:
        z.writestr(RECORD_ENTRY, json.dumps({"model": "ae"}))
    with pytest.raises(InputError, match=f"{broken}.*missing"):
        read_record(broken)
    assert read_record(tmp_path / "absent.keras") is None


# ---- one unit: a kill between the checkpoint and its copy -------------------------------------

KILLED_AFTER_THE_RENAME = """
import os, signal
from tfgen.training import record, train

original = record.RunRecord.write_copy


def die_at_epoch_2(self, path):
    if self.epochs == 2:  # model.keras of epoch 2 is published; its JSON copy is not
        os.kill(os.getpid(), signal.SIGKILL)
    original(self, path)


record.RunRecord.write_copy = die_at_epoch_2
train("ae", "digits", epochs=2, workdir="run", batch_size=256, verbose=0,
      hparams={AE})
"""


@pytest.mark.slow
def test_a_kill_between_checkpoint_and_copy_resumes_exactly(tmp_path):
    script = tmp_path / "job.py"
    script.write_text(KILLED_AFTER_THE_RENAME.replace("{AE}", repr(AE)))
    done = subprocess.run([sys.executable, str(script)], cwd=tmp_path, env=ENV, timeout=300)
    assert done.returncode == -signal.SIGKILL
    run = tmp_path / "run"
    assert json.loads((run / "train_state.json").read_text())["epochs"] == 1  # the stale copy
    assert read_record(run / "model.keras").epochs == 2  # what was committed

    already = train_ae(run, epochs=2)  # not an epoch trained twice
    assert already.stopped_by == "already_trained" and already.epochs == 2
    assert json.loads((run / "train_state.json").read_text())["epochs"] == 2  # repaired
    resumed = train_ae(run, epochs=3)
    assert len(resumed.history["loss"]) == 1  # exactly the remaining epoch
    assert resumed.epochs == 3 == read_record(run / "model.keras").epochs
    assert json.loads((run / "train_state.json").read_text())["epochs"] == 3


class Killed(Exception):
    pass


@pytest.mark.slow  # 6-11 s in the fast tier under xdist
def test_early_stoppings_best_file_follows_the_committed_checkpoint(tmp_path, monkeypatch):
    """best.keras is copied from an improving epoch's checkpoint after its commit: an epoch
    killed before the commit leaves the best file the record points to."""
    run = tmp_path / "run"
    train_ae(run, early_stopping=3)
    best = (run / "best.keras").read_bytes()
    assert best == (run / "model.keras").read_bytes()  # epoch 1 is the best so far

    def killed_at_epoch_2(self, archive):
        if self.epochs == 2:
            raise Killed  # epoch 2 trained (and improved), its checkpoint not yet published
        original(self, archive)

    original = RunRecord.write_into
    monkeypatch.setattr(RunRecord, "write_into", killed_at_epoch_2)
    with pytest.raises(Killed):
        train_ae(run, epochs=2, early_stopping=3)
    assert (run / "best.keras").read_bytes() == best
    monkeypatch.undo()

    (run / "best.keras").unlink()  # as if killed between the commit and the copy
    assert train_ae(run, epochs=1, early_stopping=3).stopped_by == "already_trained"
    assert (run / "best.keras").read_bytes() == (run / "model.keras").read_bytes()  # repaired
    resumed = train_ae(run, epochs=2, early_stopping=3)
    assert resumed.record.early_stopping["best_epoch"] == 2  # it did improve
    assert read_record(run / "best.keras").epochs == 2


# ---- the lock ---------------------------------------------------------------------------------

HOLD = """
import sys, time
from pathlib import Path
from tfgen.utils.io import locked_folder

with locked_folder(sys.argv[1]):
    Path(sys.argv[2]).write_text("locked")
    time.sleep(600)
"""


def test_a_second_run_stops_at_once_and_a_killed_holder_frees_the_folder(tmp_path):
    workdir, marker = tmp_path / "run", tmp_path / "locked"
    holder = subprocess.Popen([sys.executable, "-c", HOLD, str(workdir), str(marker)], env=ENV)
    try:
        deadline = time.monotonic() + 60
        while not marker.exists():
            assert holder.poll() is None and time.monotonic() < deadline
            time.sleep(0.05)
        live = workdir / ".model.live.tmp.keras"  # as if the holder were writing it
        live.write_bytes(b"partial")
        with pytest.raises(InputError) as raised:
            train_ae(workdir)
        assert str(workdir) in str(raised.value) and f"PID {holder.pid}" in str(raised.value)
        assert live.exists() and not (workdir / "model.keras").exists()  # nothing touched
    finally:
        holder.send_signal(signal.SIGKILL)
        holder.wait()
    result = train_ae(workdir)  # the kernel released the dead holder's lock
    assert result.epochs == 1 and not live.exists()  # its leftover is now stale: removed


@pytest.mark.slow  # 6-11 s in the fast tier under xdist
def test_two_runs_on_one_folder_through_the_cli(tmp_path):
    workdir = tmp_path / "run"
    train_ae(workdir)
    first = (workdir / "model.keras").read_bytes()
    with locked_folder(workdir):  # the first run, still going
        status, stderr = cli(
            "train", "ae", "--data", "digits", "--epochs", 3, "--workdir", workdir,
            "--batch-size", 64, "--set", "code_size=8",
        )  # fmt: skip
    assert status == 2
    lines = stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in stderr, stderr
    assert str(workdir) in lines[0] and f"PID {os.getpid()}" in lines[0]
    assert (workdir / "model.keras").read_bytes() == first


def test_stale_temporaries_are_removed_when_the_next_run_starts(tmp_path):
    workdir = tmp_path / "run"
    train_ae(workdir)
    stale = [".model.abc.tmp.keras", ".train_state.x1y2.tmp.json", ".best.q.tmp.keras"]
    for name in stale:
        (workdir / name).write_bytes(b"left by a killed writer")
    (workdir / "notes.txt").write_text("mine")
    assert train_ae(workdir, epochs=1).stopped_by == "already_trained"  # no epoch needed
    left = sorted(p.name for p in workdir.iterdir())
    assert left == [".tfgen.lock", "logs", "model.keras", "notes.txt", "train_state.json"]


def test_remove_stale_temporaries_takes_patterns_for_folders_too(tmp_path):
    (tmp_path / ".staging-abc").mkdir()
    (tmp_path / ".staging-abc" / "saved_model.pb").write_bytes(b"x")
    (tmp_path / "1").mkdir()
    assert remove_stale_temporaries(tmp_path, [".staging-*"]) == [".staging-abc"]
    assert [p.name for p in tmp_path.iterdir()] == ["1"]


# ---- early stopping needs a validation loss ------------------------------------------------


@pytest.mark.slow  # 6-12 s in the fast tier under xdist
def test_early_stopping_is_refused_for_a_gan_before_anything_runs(tmp_path):
    workdir = tmp_path / "run"
    with pytest.raises(InputError, match=r"early_stopping .*val_loss.*dcgan") as raised:
        train("dcgan", "digits", epochs=3, workdir=workdir, validation_split=0.1,
              early_stopping=2)  # fmt: skip
    assert "'vae'" in str(raised.value)  # says which models it expects
    assert not workdir.exists()  # before the folder, the data or a model
    status, stderr = cli(
        "train", "dcgan", "--data", "digits", "--epochs", 3, "--workdir", workdir,
        "--validation-split", 0.1, "--early-stopping", 2,
    )  # fmt: skip
    assert status == 2 and len(stderr.strip().splitlines()) == 1, stderr
    assert "early_stopping" in stderr and "dcgan" in stderr and not workdir.exists()


TINY = {
    "ae": AE,
    "sparse_ae": AE,
    "denoising_ae": AE,
    "vae": {"architecture": "dense", "widths": [16], "latent_dim": 2},
    "classifier": {"widths": [4, 8], "feature_dim": 8},
    "gan": {"latent_dim": 4, "g_widths": [16], "d_widths": [16]},
    "dcgan": {"latent_dim": 4, "g_widths": [8, 4], "d_widths": [4]},
    "cgan": {"latent_dim": 4, "g_widths": [8, 4], "d_widths": [4]},
    "wgan_gp": {"latent_dim": 4, "g_widths": [8, 4], "d_widths": [4]},
    "sngan": {"latent_dim": 4, "g_width": 4, "d_width": 4},
    "conditional_sngan": {"latent_dim": 4, "g_width": 4, "d_width": 4},
    "vaegan": {"latent_dim": 4, "widths": [8, 8], "hidden": 16, "d_widths": [4, 8]},
}


@pytest.mark.slow  # 6-11 s in the fast tier under xdist
def test_the_catalogue_says_which_models_log_a_validation_loss():
    """Guards `_reports_validation_loss`: a model is offered early stopping exactly when its
    held-out step reports "loss"."""
    assert set(TINY) == set(MODELS)
    rng = np.random.default_rng(0)
    for name, hparams in TINY.items():
        model = build_model(name, (8, 8, 1), num_classes=10, **hparams)
        low, high = model.pixel_range
        images = rng.uniform(low, high, (8, 8, 8, 1)).astype("float32")
        labels = np.arange(8) % 10
        y = labels if get_spec(name).needs_labels else None
        logs = model.evaluate(images, y, batch_size=8, verbose=0, return_dict=True)
        assert ("loss" in logs) == _reports_validation_loss(get_spec(name)), (name, logs)


def test_a_folder_lock_does_not_cover_its_subfolders(tmp_path):
    """A multi-worker chief locks the run folder, each worker its own `workers/<task>` inside
    it: neither waits on the other (tests/test_runtime.py trains two real workers)."""
    chief, worker = tmp_path / "run", tmp_path / "run" / "workers" / "worker-1"
    with (
        locked_folder(chief),
        locked_folder(worker),  # not refused
        pytest.raises(InputError, match="in use"),  # but a second holder of the same folder is
        locked_folder(chief),
    ):
        pass


def test_holder_pid_is_written_and_cleared(tmp_path):
    with locked_folder(tmp_path) as lock:
        assert lock.read_text().strip() == str(os.getpid())
    assert lock.read_text() == ""
    with locked_folder(tmp_path):  # free again
        pass


def test_record_json_round_trip():
    r = record(epochs=2, early_stopping={"stopped": False})
    assert RunRecord.from_dict(json.loads(json.dumps(r.to_dict())), "x") == r
