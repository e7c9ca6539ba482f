"""The TFX-style pipelines end to end on kfp.local, and compiled for a cluster."""

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import yaml

REPO = Path(__file__).resolve().parents[1]
STAGES = [
    "examplegen",
    "statisticsgen",
    "examplevalidator",
    "trainer",
    "evaluator",
    "infravalidator",
    "pusher",
]


def tfgen_pipeline(*args, cwd):
    return subprocess.run(
        [str(Path(sys.executable).parent / "tfgen"), "pipeline", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        timeout=1800,  # a hang; a run takes minutes, ten times that on 2 busy shared cores
        env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2"},
    )


def run_pipeline(name, tmp_path, *settings):
    """Runs `tfgen pipeline run NAME` with its outputs under tmp_path; returns the finished
    process and the run's artifact folder."""
    paths = [
        f"paths.saved_models={tmp_path / 'saved_models'}",
        f"paths.checkpoints={tmp_path / 'checkpoints'}",
    ]
    args = [f"--set={s}" for s in (*paths, *settings)]
    root = tmp_path / "root"
    result = tfgen_pipeline("run", name, *args, "--pipeline-root", str(root), cwd=tmp_path)
    runs = sorted(root.glob(f"{name.replace('_', '-')}-*"), key=lambda p: p.stat().st_mtime)
    return result, (runs[-1] if runs else None)


def digits_train_count(seed, fraction):
    """How many of the 1,797 digits ExampleGen's seeded hash keeps for training."""
    from tfgen.data import read_arrays
    from tfgen.pipeline.example_gen import content_digest, is_eval
    from tfgen.utils.images import to_uint8

    images = to_uint8(read_arrays("digits").images)
    return sum(not is_eval(content_digest(x), seed, fraction) for x in images)


@pytest.mark.slow
def test_pushes_a_blessed_model_and_refuses_a_worse_one(tmp_path):
    quick = [
        "trainer.epochs=15",
        "evaluator.samples=500",
        'evaluator.thresholds={"psnr_db":{"min":13},"fid":{"max":1e6}}',
    ]
    first, run = run_pipeline("vae_digits", tmp_path, *quick)
    assert first.returncode == 0, first.stderr[-3000:]
    assert sorted(p.name for p in run.iterdir()) == sorted(STAGES)
    version = tmp_path / "saved_models" / "vae_digits" / "1"
    assert (version / "saved_model.pb").is_file()
    # the terminal: a first line, one line per stage with its figures, the log's path
    lines = first.stdout.splitlines()
    assert len(lines) == len(STAGES) + 2, first.stdout
    in_order = ["ExampleGen", "StatisticsGen", "ExampleValidator", "Trainer"]
    assert [text.split()[0] for text in lines[1:5]] == in_order
    assert lines[-2].split()[0] == "Pusher"
    line = {text.split()[0]: text for text in lines[1:-1]}  # Evaluator, InfraValidator: any order
    assert sorted(line) == sorted([*in_order, "Evaluator", "InfraValidator", "Pusher"])
    counts = json.loads((run / "examplegen" / "examples" / "metadata.json").read_text())["counts"]
    assert re.search(
        rf"ExampleGen +1,797 examples \({counts['train']:,} train / {counts['eval']:,} eval\)"
        r"  \d+\.\d s$",
        line["ExampleGen"],
    )
    assert "ExampleValidator  no anomalies" in line["ExampleValidator"]
    assert re.search(r"Trainer +15 epochs in \d+\.\d s; .*loss \d", line["Trainer"])
    # the checks in the order the thresholds reach the stage (KFP's Struct: any order)
    checks = re.fullmatch(r" *Evaluator +(.*), (.*) -> blessed  \d+\.\d s", line["Evaluator"])
    assert {re.sub(r"\d+\.?\d*", "N", check) for check in checks.groups()} == {
        "PSNR N >= N ok",
        "FID N <= Ne+N ok",
    }
    assert re.search(
        r"InfraValidator +(\d+) of \1 requests served -> blessed", line["InfraValidator"]
    )
    assert re.search(
        rf"Pusher +pushed version 1: {re.escape(str(version))}  \d+\.\d s$", line["Pusher"]
    )
    # nothing of kfp.local's reaches the terminal: it is all in the run's log
    for noise in ("executor_input", "KFP Executor", "Executing task", '"uri"', "{"):
        assert noise not in first.stdout and noise not in first.stderr
    log = tmp_path / "root" / "logs" / f"{run.name}.log"
    assert lines[-1].endswith(f"the full log: {log}")
    assert "Got executor_input" in log.read_text() and "Epoch 15/15" in log.read_text()
    card = json.loads((version / "model_card.json").read_text())
    assert card["evaluation"]["blessed"] and card["training"]["epochs"] == 15
    assert card["data"]["statistics"]["train"]["count"] == digits_train_count(seed=0, fraction=0.1)
    assert {"sample", "reconstruct"} <= set(card["signatures"])
    assert card["serving"] == {"max_batch": 1024}  # every signature's request limit
    assert card["signatures"]["serving_default"]["inputs"]["images"]["shape"] == [-1, 8, 8, 1]
    assert "![64 samples, seeds 0-63](samples.png)" in (version / "model_card.md").read_text()
    assert (version / "samples.png").read_bytes()[:4] == b"\x89PNG"
    assert list((run / "trainer" / "logs").rglob("events.out.tfevents.*"))
    assert (run / "infravalidator" / "infra_blessing" / "INFRA_BLESSED").is_file()

    # a model that cannot learn: worse than the last pushed one beyond the tolerance. Its
    # Trainer, Evaluator and Pusher run as the library functions the components wrap, on
    # this run's examples, against version 1: the data stages and Beam need not run again
    from tfgen.pipeline import evaluator, pusher, trainer
    from tfgen.pipeline.evaluator import check_phrase
    from tfgen.pipeline.report import stage_line

    examples, statistics = run / "examplegen" / "examples", run / "statisticsgen" / "statistics"
    second = tmp_path / "root2" / "vae-digits-refused"  # a run folder as kfp.local lays out
    candidate = second / "trainer" / "model"
    trainer(
        examples,
        candidate,
        model="vae",
        epochs=2,  # at learning rate 1e-9 a longer training changes nothing
        batch_size=32,
        hparams={"latent_dim": 8, "architecture": "dense", "learning_rate": 1e-9},
        checkpoint_root=tmp_path / "checkpoints",
    )
    blessing, pushed = second / "evaluator" / "blessing", second / "pusher" / "pushed"
    evaluation = evaluator(
        candidate,
        examples,
        blessing,
        name="vae_digits",
        thresholds={"psnr_db": {"min": 13}, "fid": {"max": 1e6}},
        base=tmp_path / "saved_models",
        samples=500,
        cache_root=tmp_path / "checkpoints",  # the domain classifier the first run trained
    )
    assert not evaluation["blessed"] and evaluation["baseline_model"] == str(version)
    failed = {(c["metric"], c["kind"]) for c in evaluation["checks"] if not c["passed"]}
    assert {("psnr_db", "no_regression"), ("fid", "no_regression")} <= failed
    assert (blessing / "NOT_BLESSED").is_file()
    assert json.loads((blessing / "evaluation.json").read_text()) == evaluation
    # infra-blessed, so only the Evaluator's verdict stops the push
    infra_blessing = run / "infravalidator" / "infra_blessing"
    refused = pusher(
        candidate,
        blessing,
        infra_blessing,
        pushed,
        name="vae_digits",
        base=tmp_path / "saved_models",
        card_sources={"examples": examples, "statistics": statistics, "evaluation": blessing},
    )
    failed_checks = [check_phrase(c) for c in evaluation["checks"] if not c["passed"]]
    assert refused["pushed"] is False
    assert refused["reason"] == "not pushed: " + ", ".join(failed_checks)
    assert "% worse than last pushed" in refused["reason"]
    assert json.loads((pushed / "pushed.json").read_text())["pushed"] is False
    assert sorted(p.name for p in version.parent.iterdir()) == [".tfgen.lock", "1"]  # + push lock
    # and the run's lines say why
    assert stage_line("evaluator", blessing.parent, 1.0).endswith("FAILED -> not blessed  1.0 s")
    assert (
        stage_line("pusher", pushed.parent, 1.0) == f"Pusher            {refused['reason']}  1.0 s"
    )

    # a re-run: its Trainer resumes the finished checkpoint (in another process than the
    # first run's), the Evaluator blesses the same metrics, and the Pusher pushes nothing
    third = tmp_path / "root3" / "vae-digits-again"
    key = json.loads((run / "trainer" / "model" / "training.json").read_text())["config"]
    summary = trainer(
        examples,
        third / "trainer" / "model",
        model="vae",
        epochs=15,
        batch_size=key["batch_size"],
        hparams=key["hparams"],  # as KFP passed them: latent_dim 8.0
        seed=key["seed"],
        runtime=key["runtime"],
        checkpoint_root=tmp_path / "checkpoints",
    )
    assert summary["stopped_by"] == "already_trained"
    again = pusher(
        third / "trainer" / "model",
        run / "evaluator" / "blessing",
        infra_blessing,
        third / "pusher" / "pushed",
        name="vae_digits",
        base=tmp_path / "saved_models",
    )
    assert again["reason"] == "identical to version 1: not pushed"
    assert again["fingerprint"] == card["fingerprint"]
    assert sorted(p.name for p in version.parent.iterdir()) == [".tfgen.lock", "1"]


@pytest.mark.slow
def test_corrupt_data_stops_the_run_at_the_example_validator(tmp_path):
    # a broken export: near-black images, 256 distinct ones repeated about 8 times each (one
    # pixel of 1-4 in 64 places); exact copies share a split, so both splits get some
    blank = np.zeros((2000, 64), np.uint8)
    blank[np.arange(2000), np.arange(2000) % 64] = np.arange(2000) // 64 % 4 + 1
    np.savez(tmp_path / "broken.npz", x=blank.reshape(2000, 8, 8, 1), y=np.arange(2000) % 10)
    result, run = run_pipeline("dcgan_digits", tmp_path, f"data.source={tmp_path / 'broken.npz'}")
    assert result.returncode != 0
    assert "the pipeline stopped" in result.stderr
    assert re.search(r"pixel standard deviation 0\.\d\d \(0-255\)", result.stderr)
    assert "exact duplicates" in result.stderr
    report = json.loads((run / "examplevalidator" / "anomalies" / "anomalies.json").read_text())
    assert {a["check"] for a in report["anomalies"]} == {"duplicates", "pixel_std", "pixel_span"}
    assert not (run / "trainer").exists() and not (tmp_path / "saved_models").exists()


@pytest.mark.parametrize(
    "name",
    [
        "dcgan_digits",
        pytest.param("dcgan_mnist", marks=pytest.mark.slow),
        pytest.param("dcgan_fashion", marks=pytest.mark.slow),
        pytest.param("vae_digits", marks=pytest.mark.slow),
    ],
)
@pytest.mark.slow  # 6-11 s in the fast tier under xdist
def test_compiled_yaml_is_valid_and_names_every_component(tmp_path, name):
    from kfp import components

    out = tmp_path / f"{name}.yaml"
    result = tfgen_pipeline("compile", name, "--out", str(out), cwd=tmp_path)
    assert result.returncode == 0, result.stderr[-3000:]
    spec = yaml.safe_load(out.read_text())
    assert sorted(spec["root"]["dag"]["tasks"]) == sorted(STAGES)
    assert sorted(spec["components"]) == sorted(f"comp-{stage}" for stage in STAGES)
    pusher_inputs = spec["root"]["dag"]["tasks"]["pusher"]["inputs"]["artifacts"]
    assert pusher_inputs["blessing"]["taskOutputArtifact"]["producerTask"] == "evaluator"
    loaded = components.load_component_from_file(str(out))
    assert loaded.name == spec["pipelineInfo"]["name"]
    assert loaded.pipeline_spec.root.dag.tasks["trainer"].component_ref.name == "comp-trainer"
