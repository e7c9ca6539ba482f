"""The command line answers at once and quietly: every verb refuses a bad input in one line
(exit 2) before TensorFlow, KFP or Beam is imported; `pipeline list`, `--version` and
completion need none of them; TensorFlow's own log lines show only with --verbose."""

import importlib.metadata
import json
import os
import subprocess
import sys
import textwrap
import zipfile

import pytest

from tfgen import cli
from tfgen.cli import app

# (argv, what the one error line says); FILE, ZIP, MISSING are replaced by real paths
BAD_INPUTS = [
    (["train", "dcgan", "--data", "MISSING", "--epochs", "1"], "argument --data: data source "),
    (["train", "dcgan", "--data", "digits", "--epochs", "1", "--set", "bogus=1"], "['bogus']"),
    (["train", "dcgan", "--data", "digits", "--epochs", "0"], "argument --epochs: expected a "),
    (["train", "dcgan", "--config", "RUN_FILE"], "run.json: data: data source not found"),
    (["train", "dcgan", "--data", "digits", "--epochs", "1", "--workdir", "FILE"], "is a file"),
    (["sample", "--model", "MISSING.keras", "--out", "x.png"], "no such model file"),
    (["sample", "--model", "FILE.keras", "--out", "x.png"], "a .keras file is a zip archive"),
    (["sample", "--model", "ZIP", "--out", "x.jpg"], "argument --out: expected a file ending"),
    (["sample", "--model", "ZIP", "--out", "FILE/x.png"], "is a file, not a folder"),
    (["export", "--model", "ZIP", "--name", "../up"], "argument --name: name must start"),
    (["evaluate", "--model", "ZIP", "--json", "r.json", "--noise", "blur:1"], "noise must be"),
    (["evaluate", "--model", "ZIP", "--json", "r.txt"], "argument --json: expected a file"),
    (["latent", "grid", "--model", "MISSING.keras", "--out", "x.png"], "no such model file"),
    (["latent", "scatter", "--model", "ZIP", "--out", "x.png", "--data", "MISSING"], "--data"),
    (["generate", "--model", "ZIP", "--n", "4", "--out", "FILE"], "exists; choose a new path"),
    (["detect", "--model", "ZIP"], "give images to score"),
    (["detect", "--model", "ZIP", "MISSING.png"], "no such file or folder"),
    (["attack", "fgsm", "--model", "ZIP", "--data", "MISSING", "--json", "r.json"], "--data"),
    (["pipeline", "run", "no_such_pipeline"], "unknown pipeline: expected one of"),
    (["pipeline", "run", "vae_digits", "--set", "trainer.epoch=1"], "unknown config key"),
    (["pipeline", "compile", "vae_digits", "--out", "x.txt"], "argument --out: expected"),
    (["completion", "fish"], "argument shell: invalid choice"),
]

RUN_IN_FRESH_PROCESS = """
    import contextlib, io, json, sys
    from tfgen import cli

    HEAVY = ("tensorflow", "keras", "kfp", "apache_beam")
    results = []
    for argv in json.loads(sys.argv[1]):
        err, out = io.StringIO(), io.StringIO()
        with contextlib.redirect_stderr(err), contextlib.redirect_stdout(out):
            try:
                status = cli.main(argv)
            except SystemExit as e:
                status = e.code
        loaded = [m for m in HEAVY if m in sys.modules]
        results.append([argv, status, err.getvalue(), out.getvalue(), loaded])
    print(json.dumps(results))
"""


def run_fresh(argv_list, cwd):
    """Runs each argv through cli.main in one fresh process; [argv, status, stderr, stdout,
    heavy modules loaded by then] per argv."""
    result = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(RUN_IN_FRESH_PROCESS), json.dumps(argv_list)],
        capture_output=True,
        text=True,
        cwd=cwd,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads(result.stdout)


@pytest.fixture
def paths(tmp_path):
    """A plain file, a zip archive named .keras (passes --model's checks), a config file whose
    data is missing."""
    (tmp_path / "FILE").write_text("not a folder")
    (tmp_path / "FILE.keras").write_text("not a zip")
    with zipfile.ZipFile(tmp_path / "m.keras", "w") as archive:
        archive.writestr("config.json", "{}")
    (tmp_path / "run.json").write_text('{"data": "no/such/data", "epochs": 1}')
    names = {"ZIP": "m.keras", "RUN_FILE": "run.json", "MISSING": "no_such_thing"}
    return tmp_path, names


def _substitute(argv, names):
    for placeholder, name in names.items():
        argv = [a.replace(placeholder, name) for a in argv]
    return argv


def test_every_verb_refuses_bad_input_in_one_line_before_tensorflow_loads(paths):
    folder, names = paths
    cases = [(_substitute(argv, names), message) for argv, message in BAD_INPUTS]
    assert {argv[0] for argv, _ in cases} >= {v.__name__.rpartition(".")[2] for v in app.VERBS}
    for (argv, message), (_, status, err, _, loaded) in zip(
        cases, run_fresh([argv for argv, _ in cases], folder)
    ):
        assert status == 2, (argv, err)
        assert err.count("\n") == 1 and err.startswith("tfgen "), (argv, err)
        assert ": error: " in err and message in err and "Traceback" not in err, (argv, err)
        assert loaded == [], (argv, f"imported {loaded} before refusing")
    assert sorted(p.name for p in folder.iterdir()) == [
        "FILE",
        "FILE.keras",
        "m.keras",
        "run.json",
    ]  # nothing written


def test_pipeline_list_settings_and_version_load_nothing_heavy(tmp_path):
    expected_version = (
        f"tfgen {importlib.metadata.version('tfgen')} "
        f"(tensorflow {importlib.metadata.version('tensorflow')}, "
        f"keras {importlib.metadata.version('keras')})\n"
    )
    listing, settings, version = run_fresh(
        [["pipeline", "list"], ["train", "vae", "--list-settings"], ["--version"]], tmp_path
    )
    _, status, err, out, loaded = listing
    assert (status, err, loaded) == (0, "", [])
    assert [line.partition(":")[0] for line in out.splitlines()] == [
        "dcgan_digits",
        "dcgan_fashion",
        "dcgan_mnist",
        "vae_digits",
    ]
    assert "vae_digits: A VAE on the bundled 8x8 digits" in out and "(serves vae_digits)" in out
    assert settings[1:3] == [0, ""] and "latent_dim" in settings[3] and settings[4] == []
    assert version[1:5] == [0, "", expected_version, []]
    assert importlib.metadata.version("tfgen") == __import__("tfgen").__version__


def test_version_without_metadata_falls_back_to_the_package(monkeypatch, capsys):
    def not_installed(name):
        raise importlib.metadata.PackageNotFoundError(name)

    monkeypatch.setattr(importlib.metadata, "version", not_installed)
    with pytest.raises(SystemExit) as e:
        cli.main(["--version"])
    assert e.value.code == 0
    assert capsys.readouterr().out == (
        "tfgen 0.1.0 (tensorflow not installed, keras not installed)\n"
    )


def test_every_command_has_verbose_off_by_default(paths):
    parser = app.build_parser()
    commands = app._commands(parser)
    assert {c.prog for c in commands} >= {
        "tfgen train",
        "tfgen pipeline run",
        "tfgen pipeline list",
        "tfgen latent grid",
        "tfgen completion",
    }
    for command in commands:
        action = command._option_string_actions["--verbose"]
        assert (action.dest, action.default) == ("verbose", False), command.prog
    model = str(paths[0] / "m.keras")
    args = parser.parse_args(["latent", "grid", "--model", model, "--out", "x.png"])
    assert args.verbose is False


@pytest.mark.parametrize(
    "argv, set_by_user, expected",
    [
        (["train", "dcgan", "--list-settings"], None, "3"),
        (["train", "dcgan", "--list-settings"], "1", "1"),  # the user's choice stays
        (["train", "dcgan", "--list-settings", "--verbose"], None, None),  # TF's default
    ],
)
def test_tensorflow_log_level_default(argv, set_by_user, expected, monkeypatch, capsys):
    monkeypatch.delenv("TF_CPP_MIN_LOG_LEVEL", raising=False)
    if set_by_user is not None:
        monkeypatch.setenv("TF_CPP_MIN_LOG_LEVEL", set_by_user)
    assert cli.main(argv) == 0
    assert os.environ.get("TF_CPP_MIN_LOG_LEVEL") == expected


def test_the_quiet_import_hook_silences_only_the_first_tensorflow_import(tmp_path):
    """A stand-in `tensorflow` package that writes to file descriptor 2 while it is imported,
    as TensorFlow's C++ start-up does: silent under the hook, which then steps aside; an
    import error still reaches stderr."""
    fake = tmp_path / "tensorflow"
    fake.mkdir()
    (fake / "__init__.py").write_text("import os\nos.write(2, b'C++ banner\\n')\n")
    code = """
        import os, sys
        from tfgen.cli.quiet import quiet_tensorflow, _QuietFirstImport
        quiet_tensorflow()
        import tensorflow
        os.write(2, b'after import\\n')
        print(any(isinstance(f, _QuietFirstImport) for f in sys.meta_path))
    """
    env = {**os.environ, "PYTHONPATH": f"{tmp_path}{os.pathsep}{os.environ.get('PYTHONPATH', '')}"}
    result = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)], capture_output=True, text=True, env=env
    )
    assert (result.returncode, result.stdout, result.stderr) == (0, "False\n", "after import\n")
    (fake / "__init__.py").write_text("raise ImportError('broken install')\n")
    result = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)], capture_output=True, text=True, env=env
    )
    assert result.returncode == 1 and "ImportError: broken install" in result.stderr


@pytest.mark.slow
def test_a_command_that_loads_tensorflow_prints_no_banner_unless_verbose(tmp_path):
    """`sample` of a zip that is no model: TensorFlow and Keras load, then the one error line.
    Measured here: 8-20 s per process (TensorFlow's import on 2 shared cores)."""
    with zipfile.ZipFile(tmp_path / "m.keras", "w") as archive:
        archive.writestr("config.json", "{}")
    env = {k: v for k, v in os.environ.items() if k != "TF_CPP_MIN_LOG_LEVEL"}
    argv = [sys.executable, "-m", "tfgen.cli", "sample", "--model", "m.keras", "--out", "x.png"]
    quiet_run = subprocess.run(argv, capture_output=True, text=True, cwd=tmp_path, env=env)
    assert quiet_run.returncode == 2
    assert quiet_run.stderr.startswith("tfgen sample: error: m.keras: cannot load the model")
    assert quiet_run.stderr.count("\n") == 1, quiet_run.stderr
    verbose_run = subprocess.run(
        [*argv, "--verbose"], capture_output=True, text=True, cwd=tmp_path, env=env
    )
    assert verbose_run.returncode == 2
    banner = [line for line in verbose_run.stderr.splitlines() if "cannot load" not in line]
    # on this CPU-only machine: absl's pre-init warning and cudart_stub's "no cuda drivers"
    assert any("absl::InitializeLog" in line or "cuda" in line for line in banner), banner


def test_completion_scripts_complete_verbs_options_and_choices(tmp_path, capsys):
    assert cli.main(["completion", "zsh"]) in (0, None)
    assert capsys.readouterr().out.startswith("#compdef tfgen")
    assert cli.main(["completion", "bash"]) in (0, None)
    script = tmp_path / "tfgen.bash"
    script.write_text(capsys.readouterr().out)

    def complete(*words):
        line = f"COMP_WORDS=(tfgen {' '.join(words)}); COMP_CWORD={len(words)}"
        result = subprocess.run(
            ["bash", "-c", f'source {script}; {line}; _shtab_tfgen; echo "${{COMPREPLY[*]}}"'],
            capture_output=True,
            text=True,
        )
        assert result.returncode == 0, result.stderr
        return result.stdout.split()

    assert complete("tr") == ["train"]
    assert complete("train", "''") == list(cli.MODEL_NAMES)
    assert complete("sample", "--tr") == ["--truncation", "--truncation-method"]
    assert sorted(complete("pipeline", "''")) == ["compile", "list", "run"]
    assert complete("completion", "''") == ["bash", "zsh", "tcsh"]


def test_the_console_script_is_python_m_tfgen_cli():
    result = subprocess.run(
        [sys.executable, "-m", "tfgen.cli", "--version"], capture_output=True, text=True
    )
    assert result.returncode == 0 and result.stdout.startswith("tfgen ")
    assert result.stderr == ""  # no runpy warning


@pytest.mark.parametrize(
    "source, accepted",
    [
        ("digits", True),
        ("fashion_mnist:test", True),  # its split is tfgen.data's to check
        ("tfds:cifar10:train", True),
        ("idx", True),
        ("idx:test", True),
        ("a.tfrecord", True),
        ("*.tfrecord", True),
        ("*.tfrec", False),  # a glob matching nothing
        ("idxx", False),
        ("nope:test", False),
        ("", False),
    ],
)
def test_data_source_refuses_only_what_surely_does_not_exist(
    source, accepted, tmp_path, monkeypatch
):
    import argparse

    from tfgen.cli.arguments import data_source

    monkeypatch.chdir(tmp_path)
    (tmp_path / "idx").mkdir()
    (tmp_path / "a.tfrecord").write_bytes(b"")
    if accepted:
        assert data_source(source) == source
    else:
        with pytest.raises(argparse.ArgumentTypeError, match="data source not found"):
            data_source(source)
