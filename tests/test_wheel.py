"""The built wheel alone runs the ready pipelines: installed into a fresh environment without the
checkout, `tfgen pipeline list` and `tfgen pipeline run` work from an empty folder (the pipeline
definitions ship inside the package, in tfgen/pipeline/, not beside it)."""

import os
import shutil
import site
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
# quick settings: the test proves packaging, not quality (thresholds every model passes)
QUICK = [
    "trainer.epochs=1",
    'trainer.hparams={"latent_dim":8,"g_widths":[32,16,8],"d_widths":[8,16]}',
    'evaluator.thresholds={"fid":{"max":1e6},"recall":{"min":0}}',
    "evaluator.samples=200",
    "trainer.batch_size=256",
]


def run(*argv, cwd, env, timeout=300):
    result = subprocess.run(
        [str(a) for a in argv], capture_output=True, text=True, cwd=cwd, env=env, timeout=timeout
    )
    return result


def test_no_code_edits_sys_path():
    """Imports must work from the installed package alone, not from path tricks."""
    offenders = [
        f"{path.relative_to(REPO)}:{number}"
        for path in sorted((REPO / "tfgen").rglob("*.py"))
        for number, line in enumerate(path.read_text().splitlines(), 1)
        if "sys.path" in line
    ]
    assert not offenders, offenders


@pytest.mark.slow
def test_wheel_installs_and_runs_a_pipeline_outside_the_checkout(tmp_path):
    # built from a copy: setuptools writes build/ and tfgen.egg-info beside the sources
    source = tmp_path / "source"
    shutil.copytree(
        REPO,
        source,
        ignore=shutil.ignore_patterns(
            ".git", ".venv", "runs", "build", "*.egg-info", "__pycache__", ".*_cache"
        ),
    )
    dist = tmp_path / "dist"
    built = run(
        sys.executable,
        "-m",
        "pip",
        "wheel",
        "--no-deps",
        "--no-build-isolation",
        "--disable-pip-version-check",
        "-q",
        "-w",
        dist,
        source,
        cwd=tmp_path,
        env=os.environ,
    )
    assert built.returncode == 0, built.stderr[-3000:]
    (wheel,) = dist.glob("tfgen-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    assert {"tfgen/pipeline/configs/dcgan_digits.py", "tfgen/pipeline/local.py"} <= set(names)
    assert all(n.startswith(("tfgen/", "tfgen-")) for n in names), "only the package ships"

    # a fresh environment without tfgen that reuses the dev environment's dependencies: a .pth
    # path line adds the dev site-packages to sys.path but runs none of its .pth files, so the
    # dev environment's editable install of tfgen stays out of it
    new = tmp_path / "venv"
    created = run(sys.executable, "-m", "venv", "--without-pip", new, cwd=tmp_path, env=os.environ)
    assert created.returncode == 0, created.stderr
    python = new / "bin" / "python"
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME")}
    env.update(VIRTUAL_ENV=str(new), TF_CPP_MIN_LOG_LEVEL="2")
    new_site = Path(
        run(
            python,
            "-c",
            "import sysconfig; print(sysconfig.get_paths()['purelib'])",
            cwd=tmp_path,
            env=env,
        ).stdout.strip()
    )
    (new_site / "dev-dependencies.pth").write_text("\n".join(site.getsitepackages()) + "\n")
    empty = tmp_path / "empty"
    empty.mkdir()
    before = run(python, "-c", "import tfgen", cwd=empty, env=env)
    assert "No module named 'tfgen'" in before.stderr, before.stderr[-2000:]

    installed = run(
        python,
        "-m",
        "pip",
        "install",
        "--no-deps",
        "--no-index",
        "--ignore-installed",  # the dev environment's editable tfgen is visible as metadata
        "--disable-pip-version-check",
        "-q",
        wheel,
        cwd=empty,
        env=env,
    )
    assert installed.returncode == 0, installed.stderr[-3000:]
    where = run(python, "-c", "import tfgen; print(tfgen.__file__)", cwd=empty, env=env)
    assert Path(where.stdout.strip()) == new_site / "tfgen" / "__init__.py", where.stderr[-2000:]

    tfgen = new / "bin" / "tfgen"
    # listed while the pipeline runs: both mostly wait on imports, and the wall time counts
    listing = subprocess.Popen(
        [tfgen, "pipeline", "list"],
        cwd=empty,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        ran = run(
            tfgen,
            "pipeline",
            "run",
            "dcgan_digits",
            *(f"--set={s}" for s in QUICK),
            cwd=empty,
            env=env,
            timeout=600,
        )
        listed, errors = listing.communicate(timeout=300)
    finally:
        listing.kill()  # a no-op once it has finished
    assert listing.returncode == 0, errors[-3000:]
    assert "dcgan_digits:" in listed and "vae_digits:" in listed
    assert ran.returncode == 0, ran.stderr[-4000:]
    pushed = empty / "saved_models" / "dcgan_digits" / "1"
    assert f"pushed version 1: {pushed}" in ran.stdout, ran.stdout[-2000:]
    assert (pushed / "saved_model.pb").is_file()
