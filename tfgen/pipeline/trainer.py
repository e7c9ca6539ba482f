"""Trainer: any tfgen model from a config; outputs the model, its SavedModel and its logs.

The run's checkpoint folder is keyed by what determines the training (model, hyperparameters,
batch size, seed and the examples' source and split), not by the pipeline run, so a re-run of
the pipeline resumes an interrupted training, and extends a finished one when `epochs` grows.

TensorBoard logs are moved, not copied, out of the checkpoint folder into the logs folder of
the pipeline run, so that `tensorboard --logdir` over the checkpoints and the pipeline runs
shows each epoch once: each pipeline run's logs hold the epochs it trained.
"""

import hashlib
import json
import shutil
from pathlib import Path

from tfgen.export import export_model
from tfgen.runtime import Runtime
from tfgen.training import train
from tfgen.utils.images import write_grid
from tfgen.utils.io import write_json_atomic

SAVEDMODEL = Path("savedmodel") / "1"  # the Trainer's SavedModel, inside its output
SAMPLES = "samples.png"  # 64 samples (seeds 0-63) of a generative model


def trainer(
    examples_dir,
    output_dir,
    *,
    model,
    epochs,
    checkpoint_root,
    logs_dir=None,
    batch_size=64,
    hparams=None,
    max_seconds=None,
    seed=0,
    runtime=None,
):
    """Trains on `examples_dir/train` and writes into `output_dir`: `model.keras`, the
    SavedModel (`savedmodel/1`), `training.json` and, for models that sample, a grid of 64
    samples (`samples.png`); the TensorBoard logs of the epochs trained go to `logs_dir`.

    Args:
        logs_dir: where the TensorBoard logs go (a folder that does not exist yet);
            `output_dir/logs` by default. Empty when there was nothing left to train.
        runtime: {"precision", "strategy", "jit", "deterministic"} (see tfgen.runtime.Runtime).

    Returns:
        The training summary (epochs, seconds, stop reason, final metrics, checkpoint folder).
    """
    examples_dir, output_dir = Path(examples_dir), Path(output_dir)
    metadata = json.loads((examples_dir / "metadata.json").read_text())
    key = {
        "model": model,
        "hparams": hparams or {},
        "batch_size": batch_size,
        "seed": seed,
        "source": metadata["source"],
        "data_options": metadata["data_options"],
        "split": metadata["split"],
        "runtime": runtime or {},
    }
    digest = hashlib.sha256(json.dumps(key, sort_keys=True).encode()).hexdigest()[:12]
    workdir = Path(checkpoint_root) / f"{model}-{digest}"
    result = train(
        model,
        str(examples_dir / "train"),
        epochs=epochs,
        workdir=workdir,
        batch_size=batch_size,
        hparams=hparams,
        max_seconds=max_seconds,
        seed=seed,
        verbose=2,
        runtime=Runtime(**(runtime or {})),
    )
    output_dir.mkdir(parents=True, exist_ok=True)
    shutil.copy2(result.paths.model, output_dir / "model.keras")
    _move_logs(result.paths.logs, Path(logs_dir) if logs_dir else output_dir / "logs")
    export_model(result.model, SAVEDMODEL.parent.name, base=output_dir)
    if result.model.can_sample:  # what the model makes, at a glance
        write_grid(output_dir / SAMPLES, result.model.sample(64, seed=0), columns=8)
    summary = {
        "config": key,
        "epochs": result.epochs,
        "seconds": round(result.seconds, 1),
        "stopped_by": result.stopped_by,
        "final_logs": result.record.last_logs,  # as committed with the checkpoint
        "checkpoint": str(workdir),
    }
    write_json_atomic(output_dir / "training.json", summary)
    return summary


def _move_logs(source, destination):
    """Moves the checkpoint folder's TensorBoard logs to `destination`, leaving none behind
    (a resumed training starts a new folder), so no epoch is shown twice."""
    destination.parent.mkdir(parents=True, exist_ok=True)
    if destination.exists():
        destination.rmdir()  # an empty folder made for the artifact; never merge into logs
    if source.exists():
        shutil.move(source, destination)
    else:  # nothing was trained (already done): an empty folder, still an artifact
        destination.mkdir()
