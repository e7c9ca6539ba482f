"""The Trainer's TensorBoard logs appear once under `tensorboard --logdir runs` (tfgen issue 15):
moved out of the checkpoint folder into the pipeline run's logs artifact, none in the model."""

import pytest

from tests.training.test_tensorboard import Board
from tfgen.pipeline import example_gen, trainer

TINY_VAE = {"architecture": "dense", "widths": [16], "latent_dim": 2}


@pytest.mark.slow  # ExampleGen on Beam, then two trainings
def test_each_epoch_is_logged_once_across_checkpoints_and_pipeline_runs(tmp_path):
    runs = tmp_path / "runs"  # the layout of the default paths: checkpoints beside run roots
    examples = runs / "pipeline_root" / "examples"
    example_gen("digits", examples, eval_fraction=0.1, seed=0)
    for run, epochs in (("run1", 1), ("run2", 2)):  # the second pipeline run resumes
        trainer(
            examples,
            runs / "pipeline_root" / run / "model",
            model="vae",
            epochs=epochs,
            batch_size=64,
            hparams=TINY_VAE,
            checkpoint_root=runs / "pipelines",
            logs_dir=runs / "pipeline_root" / run / "logs",
        )
    assert not list((runs / "pipelines").rglob("events.out.tfevents.*"))
    assert not list((runs / "pipeline_root").glob("*/model/logs"))
    board = Board(runs)
    assert board.get("/runs") == [
        "pipeline_root/run1/logs/train",
        "pipeline_root/run1/logs/validation",
        "pipeline_root/run2/logs/train",
        "pipeline_root/run2/logs/validation",
    ]
    steps = {
        run: [point[1] for point in board.get("/plugin/scalars/scalars", run=run, tag="epoch_loss")]
        for run in ("pipeline_root/run1/logs/train", "pipeline_root/run2/logs/train")
    }
    assert steps == {"pipeline_root/run1/logs/train": [0], "pipeline_root/run2/logs/train": [1]}
