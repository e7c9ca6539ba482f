"""A local run's terminal output: one line per stage; kfp.local's log lines, the executor
input JSON and the stages' own output go to `<pipeline_root>/logs/<run>.log`, shown with
--verbose, and a failed stage's last lines are shown when it fails. Real kfp.local runs of a
two-stage pipeline (a second or two each)."""

import io
import json
import re

import pytest
from kfp import dsl

from tfgen.cli import main
from tfgen.pipeline import local
from tfgen.pipeline.report import stage_line
from tfgen.pipeline.run_log import TAIL_LINES


@dsl.component(base_image="python:3.11", install_kfp_package=False)
def Noisy(lines: int, out: dsl.Output[dsl.Artifact]):
    import os

    for i in range(lines):
        print(f"noise {i}")
    os.makedirs(out.path, exist_ok=True)


@dsl.component(base_image="python:3.11", install_kfp_package=False)
def Breaks(fail: bool, data: dsl.Input[dsl.Artifact]):
    for i in range(100):
        print(f"working {i}")
    if fail:
        raise ValueError("broken on purpose")


def two_stages(name, fail):
    @dsl.pipeline(name=name)
    def pipeline():
        noisy = Noisy(lines=500)
        Breaks(fail=fail, data=noisy.outputs["out"])

    return pipeline


STAGE_LINE = re.compile(r"^(noisy|breaks) +(done|FAILED)  \d+\.\d s$")


def test_the_terminal_gets_one_line_per_stage_and_the_log_the_rest(tmp_path, capsys):
    lines, echoed = [], io.StringIO()
    summary = local.run_logged(two_stages("tiny", False), "tiny", tmp_path, lines.append, echoed)
    assert [STAGE_LINE.match(line).groups() for line in lines] == [
        ("noisy", "done"),
        ("breaks", "done"),
    ]
    out, err = capsys.readouterr()
    assert out == "" and err == ""  # nothing of kfp's reaches the terminal
    (run,) = tmp_path.glob("tiny-*")
    assert sorted(summary) == ["breaks", "noisy"]
    log = local.log_of(tmp_path, run)
    assert sorted(p.name for p in (tmp_path / "logs").iterdir()) == [log.name]
    text = log.read_text()
    assert "noise 499" in text and "working 99" in text and "Got executor_input" in text
    assert '"parameterValues"' in text  # the executor JSON
    assert echoed.getvalue() == text  # --verbose: the same, as it is written


def test_a_failed_stage_raises_with_the_end_of_its_output(tmp_path):
    lines = []
    with pytest.raises(local.PipelineFailed) as failed:
        local.run_logged(two_stages("tiny", True), "tiny", tmp_path, lines.append)
    assert STAGE_LINE.match(lines[-1]).groups() == ("breaks", "FAILED")
    error = failed.value
    assert error.stage == "breaks" and len(error.tail) == TAIL_LINES
    assert error.tail[-1] == "ValueError: broken on purpose"
    assert "noise" not in " ".join(error.tail)  # only the failed stage's output
    assert error.log == local.log_of(tmp_path, next(tmp_path.glob("tiny-*")))
    assert "ValueError: broken on purpose" in error.log.read_text()


@pytest.fixture
def tiny_instead_of_vae(monkeypatch):
    """`tfgen pipeline run vae_digits` runs the two stages instead (same name, so the CLI
    finds the run's folder and log)."""
    fail = {"fail": False}
    monkeypatch.setattr(
        local, "create_pipeline", lambda config: two_stages(config["name"], fail["fail"])
    )
    return fail


def test_the_cli_prints_stage_lines_and_shows_the_log_with_verbose(
    tmp_path, capsys, tiny_instead_of_vae
):
    main(["pipeline", "run", "vae_digits", "--pipeline-root", str(tmp_path)])
    out = capsys.readouterr().out.splitlines()
    assert out[0] == f"running vae_digits (vae-digits) locally; artifacts under {tmp_path}"
    assert [STAGE_LINE.match(line.strip())[1] for line in out[1:3]] == ["noisy", "breaks"]
    (log,) = (tmp_path / "logs").iterdir()
    assert re.fullmatch(rf"done in \d+ s; the full log: {re.escape(str(log))}", out[3])
    assert len(out) == 4

    main(["pipeline", "run", "vae_digits", "--verbose", "--pipeline-root", str(tmp_path)])
    out = capsys.readouterr().out
    assert "noise 499" in out and "Executing task" in out and '"parameterValues"' in out
    assert len(list((tmp_path / "logs").iterdir())) == 2


def test_the_cli_shows_a_failed_stage_tail_then_one_error_line(
    tmp_path, capsys, tiny_instead_of_vae
):
    tiny_instead_of_vae["fail"] = True
    with pytest.raises(SystemExit) as exit_:
        main(["pipeline", "run", "vae_digits", "--pipeline-root", str(tmp_path)])
    assert exit_.value.code == 2
    out, err = capsys.readouterr()
    assert "working" not in out and STAGE_LINE.match(out.splitlines()[-1].strip())[2] == "FAILED"
    *tail, error = err.strip().splitlines()
    assert tail[-1] == "  | ValueError: broken on purpose" and len(tail) == TAIL_LINES
    (log,) = (tmp_path / "logs").iterdir()
    assert error == (
        f"tfgen pipeline: error: the pipeline stopped: breaks failed (the full log: {log})"
    )


def test_stage_lines_carry_each_stage_s_figures(tmp_path):
    def write(relative, content):
        path = tmp_path / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(content if isinstance(content, str) else json.dumps(content))

    write("examplegen/examples/metadata.json", {"counts": {"train": 1617, "eval": 180}})
    assert stage_line("examplegen", tmp_path / "examplegen", 9.84) == (
        "ExampleGen        1,797 examples (1,617 train / 180 eval)  9.8 s"
    )
    write(
        "trainer/model/training.json",
        {
            "epochs": 40,
            "seconds": 151.25,
            "stopped_by": None,
            "final_logs": {"d_loss": 1.06, "d_real_acc": 0.72, "g_loss": 0.9312},
        },
    )
    assert stage_line("trainer", tmp_path / "trainer", 160.0) == (
        "Trainer           40 epochs in 151.2 s; d_loss 1.06, g_loss 0.931  160.0 s"
    )
    checks = [
        {"metric": "psnr_db", "kind": "min", "limit": 15.0, "value": 14.7612, "passed": False},
        {"metric": "fid", "kind": "max", "limit": 50.0, "value": 31.04, "passed": True},
        {
            "metric": "fid",
            "kind": "no_regression",
            "baseline": 25.0,
            "value": 31.04,
            "tolerance": 0.1,
            "passed": False,
        },
    ]
    write("evaluator/blessing/evaluation.json", {"blessed": False, "checks": checks})
    assert stage_line("evaluator", tmp_path / "evaluator", 41.0) == (
        "Evaluator         PSNR 14.76 < 15 FAILED, FID 31.04 <= 50 ok, FID 31.04, 24% worse "
        "than last pushed 25 (> 10%) FAILED -> not blessed  41.0 s"
    )
    write("infravalidator/infra_blessing/INFRA_BLESSED", "8 of 8 requests served\n")
    assert stage_line("infravalidator", tmp_path / "infravalidator", 7.0) == (
        "InfraValidator    8 of 8 requests served -> blessed  7.0 s"
    )
    # a stage that failed before writing its files
    assert stage_line("pusher", tmp_path / "pusher", 2.0, succeeded=False) == (
        "Pusher            FAILED  2.0 s"
    )
