"""Nothing a user had is lost when a process dies mid-write: exports and checkpoints are
published by an atomic rename, so a SIGKILL leaves the previous state whole."""

import os
import signal
import subprocess
import sys
import textwrap
import time

import numpy as np
import pytest

from tests.conftest import run_python

HANG_AFTER = """
import sys, time
from pathlib import Path
import {module} as owner

marker = Path(sys.argv[1])
original = owner.{function}


def hang(*args, **kwargs):
    result = original(*args, **kwargs)  # the real work is done, not yet published
    marker.write_text("midway")
    time.sleep(600)
    return result


owner.{function} = hang
"""


def start_and_kill_midway(code, tmp_path):
    """Runs `code` in a fresh process and SIGKILLs it once it reports being midway."""
    marker = tmp_path / "midway"
    script = tmp_path / "job.py"
    script.write_text(textwrap.dedent(code))
    process = subprocess.Popen(
        [sys.executable, str(script), str(marker)],
        cwd=tmp_path,
        stderr=subprocess.PIPE,
        env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2"},
    )
    deadline = time.monotonic() + 240
    while not marker.exists():
        assert process.poll() is None, process.stderr.read().decode()[-3000:]
        assert time.monotonic() < deadline, "the job never reached the midway point"
        time.sleep(0.2)
    process.send_signal(signal.SIGKILL)
    process.wait()


@pytest.mark.slow
def test_an_export_killed_midway_leaves_no_partial_version(tmp_path):
    code = (
        HANG_AFTER.format(module="tfgen.export.saved_model", function="verify_savedmodel")
        + """
from tfgen.export import export_model
from tfgen.models import build_model
gan = build_model("dcgan", (8, 8, 1), g_widths=[16, 8], d_widths=[8], latent_dim=4)
export_model(gan, "dcgan", base="saved_models")
"""
    )
    start_and_kill_midway(code, tmp_path)
    model_dir = tmp_path / "saved_models" / "dcgan"
    left = sorted(p.name for p in model_dir.iterdir() if p.name != ".tfgen.lock")  # export's lock
    assert len(left) == 1 and left[0].startswith(".staging-")  # what TF Serving ignores
    assert (model_dir / left[0] / "saved_model.pb").is_file()  # it was killed midway
    out = run_python(
        """
        from tfgen.export import export_model
        from tfgen.models import build_model
        gan = build_model("dcgan", (8, 8, 1), g_widths=[16, 8], d_widths=[8], latent_dim=4)
        print(export_model(gan, "dcgan", base="saved_models").name)
        """,
        cwd=tmp_path,
    )
    assert out.strip() == "1"
    assert sorted(p.name for p in model_dir.iterdir()) == [".tfgen.lock", "1"]  # stale staging gone


@pytest.mark.slow
def test_a_checkpoint_killed_midway_keeps_the_last_good_one(tmp_path):
    train = """
import sys
from tfgen.training import train
train("vae", "digits", epochs=int(sys.argv[-1]), workdir="run", batch_size=256, verbose=0,
      hparams={"latent_dim": 2, "architecture": "dense"})
"""
    (tmp_path / "first.py").write_text(train)
    subprocess.run([sys.executable, "first.py", "1"], cwd=tmp_path, check=True, timeout=300)
    good = (tmp_path / "run" / "model.keras").read_bytes()
    # epoch 2 writes the whole new checkpoint to its temporary file, then dies before renaming
    code = HANG_AFTER.format(module="keras", function="Model.save")
    start_and_kill_midway(code + train.replace("int(sys.argv[-1])", "2"), tmp_path)
    assert (tmp_path / "run" / "model.keras").read_bytes() == good
    leftovers = [p.name for p in (tmp_path / "run").iterdir() if p.name.startswith(".model.")]
    assert leftovers  # the half-published temporary file, never the checkpoint itself
    out = run_python(
        """
        import json
        from tfgen.models import load_model
        load_model("run/model.keras")
        print(json.load(open("run/train_state.json"))["epochs"])
        """,
        cwd=tmp_path,
    )
    assert out.strip() == "1"


RESUMABLE_RUN = """
import numpy as np
from tfgen.models import load_model
from tfgen.runtime import Runtime
from tfgen.training import train

hparams = dict(g_widths=[32, 16, 8], d_widths=[8, 16], latent_dim=8, ema_decay=0.9)
train("dcgan", "digits", epochs=3, workdir="run", batch_size=16, hparams=hparams, verbose=0,
      runtime=Runtime(deterministic=True))
model = load_model("run/model.keras")
np.savez("weights.npz", *[w.numpy() for w in model.weights])
"""


@pytest.mark.slow
def test_a_run_killed_mid_epoch_resumes_to_the_same_weights(tmp_path):
    """SIGKILL in epoch 2, then the same command: both optimizers, the EMA weights, the step
    counters (the noise's source) and the data order carry on as if nothing had happened."""
    uninterrupted, killed = tmp_path / "uninterrupted", tmp_path / "killed"
    for folder in (uninterrupted, killed):
        folder.mkdir()
        (folder / "job.py").write_text(RESUMABLE_RUN)
    run = [sys.executable, "job.py"]
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2"}
    subprocess.run(run, cwd=uninterrupted, env=env, check=True, timeout=300)

    process = subprocess.Popen(run, cwd=killed, env=env)
    state = killed / "run" / "train_state.json"
    deadline = time.monotonic() + 240
    while not (state.exists() and '"epochs": 1' in state.read_text()):
        assert process.poll() is None and time.monotonic() < deadline
        time.sleep(0.05)
    time.sleep(1.0)  # into epoch 2: its 112 steps take a few seconds
    process.send_signal(signal.SIGKILL)
    process.wait()
    assert '"epochs": 1' in state.read_text()  # killed mid-epoch, not after it
    subprocess.run(run, cwd=killed, env=env, check=True, timeout=300)

    with np.load(uninterrupted / "weights.npz") as a, np.load(killed / "weights.npz") as b:
        assert a.files == b.files and len(a.files) > 20
        for name in a.files:
            np.testing.assert_array_equal(a[name], b[name])


@pytest.mark.slow
def test_a_file_that_fails_in_a_later_epoch_keeps_the_checkpoint_and_the_run_resumes(
    tmp_path, monkeypatch
):
    """A file goes bad while the run is in epoch 2 (uncached, each epoch reads the files
    again): the run stops with an InputError naming it, the checkpoint of epoch 1 stays in
    the folder the run created, and once the file is fixed the same call carries on."""
    import tfgen.data.streaming as streaming
    from tests.data.test_streaming import write_folder
    from tfgen.errors import InputError
    from tfgen.training import read_record, train
    from tfgen.training.record import RunRecord

    write_folder(tmp_path / "data", n=16, size=(8, 8), channels=1)
    monkeypatch.setattr(streaming, "CACHE_BUDGET_BYTES", 100)  # not cached: read every epoch
    victim = tmp_path / "data" / "a" / "001.png"
    good = victim.read_bytes()
    write_copy = RunRecord.write_copy  # runs right after each epoch's checkpoint is committed

    def write_copy_then_corrupt(record, path):
        write_copy(record, path)
        victim.write_bytes(good[:40] + bytes(40))

    monkeypatch.setattr(RunRecord, "write_copy", write_copy_then_corrupt)
    workdir = tmp_path / "run"
    ae = {"architecture": "dense", "widths": [8], "code_size": 2}

    def run():
        return train("ae", str(tmp_path / "data"), epochs=2, workdir=workdir, batch_size=4,
                     hparams=ae, verbose=0)  # fmt: skip

    with pytest.raises(
        InputError,
        match=r"^\S*a/001\.png: not a decodable PNG/JPEG/BMP/GIF image \(Invalid PNG.*\)\. "
        r"Pass skip_errors=True \(--skip-errors\) to skip such files\. \S*run/model\.keras keeps "
        r"the 1 finished epoch\(s\); run again to resume\.$",
    ):
        run()
    assert read_record(workdir / "model.keras").epochs == 1
    monkeypatch.setattr(RunRecord, "write_copy", write_copy)
    victim.write_bytes(good)
    assert run().epochs == 2
