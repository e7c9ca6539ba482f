"""The command line: train -> TensorBoard logs -> sample -> export, resume, budgets, errors."""

import argparse
import json
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import tensorflow as tf

from tfgen import cli
from tfgen.models import MODELS

TINY_GAN = ["--set", "g_widths=32,16,8", "--set", "d_widths=8,16", "--set", "latent_dim=8"]
TINY_AE = ["--epochs", 1, "--batch-size", 4, "--set", "architecture=dense", "--set", "widths=8"]


def tfgen(*argv):
    """Runs the command line in-process; returns the exit status."""
    try:
        return cli.main([str(a) for a in argv])
    except SystemExit as e:
        return e.code


def event_tags(folder):
    """{tag: sorted steps} from every TensorBoard event file under `folder`."""
    tags = {}
    for file in Path(folder).glob("events.out.tfevents.*"):
        for event in tf.compat.v1.train.summary_iterator(str(file)):
            for value in event.summary.value:
                tags.setdefault(value.tag, []).append(event.step)
    return {k: sorted(v) for k, v in tags.items()}


@pytest.fixture(scope="module")
def trained_gan(tmp_path_factory):
    workdir = tmp_path_factory.mktemp("gan") / "run"
    assert (
        tfgen("train", "dcgan", "--data", "digits", "--epochs", 2, "--workdir", workdir, *TINY_GAN)
        == 0
    )
    return workdir


def test_model_choices_match_the_catalogue():
    assert set(cli.MODEL_NAMES) == set(MODELS)


@pytest.mark.xdist_group("cli_trained_gan")
def test_train_writes_checkpoint_state_and_tensorboard_logs(trained_gan):
    state = json.loads((trained_gan / "train_state.json").read_text())
    assert state["epochs"] == 2 and state["model"] == "dcgan"
    assert state["hparams"]["g_widths"] == [32, 16, 8]
    scalars = event_tags(trained_gan / "logs" / "train")
    for tag in ("epoch_d_loss", "epoch_g_loss", "epoch_d_real_acc", "epoch_d_fake_acc"):
        assert scalars[tag] == [0, 1], tag
    assert scalars["samples"] == [0, 1]  # images and health signals share the train run
    # the health monitor runs by default for GANs
    assert scalars["health/diversity_ratio"] == [0, 1]


@pytest.mark.xdist_group("cli_trained_gan")
def test_tensorboard_shows_one_run_and_d_and_g_losses_in_one_chart(trained_gan):
    from tests.training.test_tensorboard import Board

    board = Board(trained_gan / "logs")  # what `tfgen train` prints to open
    assert board.get("/runs") == ["train"]
    assert set(board.get("/plugin/images/tags")["train"]) == {"samples"}
    [losses, accuracies] = board.get("/plugin/custom_scalars/layout")["category"]
    assert losses["chart"][0]["title"] == "d_loss and g_loss"
    [regex] = losses["chart"][0]["multiline"]["tag"]
    lines = board.get("/plugin/custom_scalars/scalars", run="train", tag=regex)
    assert set(lines["tag_to_events"]) == {"epoch_d_loss", "epoch_g_loss"}
    assert accuracies["chart"][0]["title"] == "d_fake_acc and d_real_acc"
    [group] = board.session_groups()  # HPARAMS: the settings and the final losses
    assert group["hparams"]["model"] == "dcgan" and group["hparams"]["g_widths"] == "[32, 16, 8]"
    state = json.loads((trained_gan / "train_state.json").read_text())
    final = {m["name"]["tag"]: m["value"] for m in group["metricValues"]}
    assert final["final/g_loss"] == pytest.approx(state["last_logs"]["g_loss"], rel=1e-6)


@pytest.mark.xdist_group("cli_trained_gan")
def test_sample_writes_png_grid(trained_gan, tmp_path, capsys):
    out = tmp_path / "grid.png"
    assert (
        tfgen(
            "sample",
            "--model",
            trained_gan / "model.keras",
            "--n",
            10,
            "--columns",
            5,
            "--upscale",
            1,
            "--out",
            out,
            "--seed",
            3,
        )
        == 0
    )
    grid = tf.io.decode_png(out.read_bytes()).numpy()
    assert grid.shape == (2 * 9 + 1, 5 * 9 + 1, 1)  # 8x8 tiles, 1-pixel separators
    assert "seeds 3..12" in capsys.readouterr().out


@pytest.mark.xdist_group("cli_trained_gan")
def test_export_writes_next_version(trained_gan, tmp_path, capsys):
    for version in ("1", "2"):
        assert (
            tfgen(
                "export",
                "--model",
                trained_gan / "model.keras",
                "--name",
                "digits",
                "--base",
                tmp_path,
            )
            == 0
        )
        assert (tmp_path / "digits" / version / "saved_model.pb").is_file()
    assert "saved_model_cli show" in capsys.readouterr().out


@pytest.mark.slow
def test_rerun_resumes_then_has_nothing_to_do(tmp_path, capsys):
    workdir = tmp_path / "run"
    args = ["train", "dcgan", "--data", "digits", "--workdir", workdir, *TINY_GAN]
    assert tfgen(*args, "--epochs", 1) == 0
    assert tfgen(*args, "--epochs", 2) == 0
    from tfgen.models import load_model

    gan = load_model(workdir / "model.keras")
    assert int(gan.g_optimizer.iterations) == 2 * (1797 // 64)  # both epochs, one model
    assert tfgen(*args, "--epochs", 2) == 0
    assert "nothing to do" in capsys.readouterr().out
    assert event_tags(workdir / "logs" / "train")["samples"] == [0, 1]


@pytest.mark.slow  # 6-12 s in the fast tier under xdist
def test_max_seconds_stops_cleanly_with_model_saved(tmp_path, capsys):
    workdir = tmp_path / "run"
    assert (
        tfgen(
            "train",
            "dcgan",
            "--data",
            "digits",
            "--epochs",
            10_000,
            "--max-seconds",
            3,
            "--workdir",
            workdir,
            *TINY_GAN,
        )
        == 0
    )
    out = capsys.readouterr().out
    assert "stopped by --max-seconds" in out
    state = json.loads((workdir / "train_state.json").read_text())
    assert state["epochs"] < 10_000
    from tfgen.models import load_model

    # the record counts the steps in the model, a partial epoch included (stopped at a step)
    steps = int(load_model(workdir / "model.keras").g_optimizer.iterations)
    assert steps >= 1 and state["epochs"] * (1797 // 64) + state["steps"] == steps
    partial = f" and {state['steps']} step(s) of epoch {state['epochs'] + 1}"
    assert f"to epoch {state['epochs']}{partial if state['steps'] else ''} in " in out


def test_vae_logs_validation_and_reconstructions(tmp_path):
    workdir = tmp_path / "vae"
    assert (
        tfgen(
            "train",
            "vae",
            "--data",
            "digits",
            "--epochs",
            2,
            "--workdir",
            workdir,
            "--set",
            "architecture=dense",
            "--set",
            "latent_dim=2",
        )
        == 0
    )
    assert event_tags(workdir / "logs" / "validation")["epoch_loss"] == [0, 1]
    assert "epoch_kl_loss" in event_tags(workdir / "logs" / "train")
    # the reconstructions are of the held-out preview batch
    assert event_tags(workdir / "logs" / "validation")["reconstructions"] == [0, 1]


@pytest.mark.parametrize(
    "argv, message",
    [
        (["train", "dcgan", "--data", "/no/such/folder", "--epochs", 1], "data source not found"),
        (
            ["train", "dcgan", "--data", "digits", "--epochs", 1, "--set", "bogus=1"],
            "unknown hyperparameter(s) ['bogus']",
        ),
        (
            ["train", "dcgan", "--data", "digits", "--epochs", 1, "--set", "novalue"],
            "--set expects KEY=VALUE",
        ),
        (["sample", "--model", "missing.keras", "--out", "x.png"], "no such model file"),
    ],
)
def test_bad_input_exits_2_with_a_clear_message(argv, message, capsys, tmp_path):
    assert tfgen(*argv) == 2
    assert message in capsys.readouterr().err


@pytest.mark.xdist_group("cli_trained_gan")
def test_changed_hyperparameters_on_resume_are_refused(trained_gan, capsys):
    status = tfgen(
        "train",
        "dcgan",
        "--data",
        "digits",
        "--epochs",
        3,
        "--workdir",
        trained_gan,
        "--set",
        "g_widths=64,32,16",
        "--set",
        "d_widths=8,16",
        "--set",
        "latent_dim=8",
    )
    assert status == 2
    assert "hyperparameters are fixed once a run starts" in capsys.readouterr().err


@pytest.mark.parametrize(
    "argv",
    [
        ["train", "no_such_model", "--data", "digits", "--epochs", "1"],
        ["train", "dcgan", "--data", "digits", "--epochs", "0"],
        ["sample", "--model", "m.keras", "--out", "x.png", "--truncation", "1.5"],
    ],
)
def test_argument_errors_exit_2(argv, capsys):
    assert tfgen(*argv) == 2
    assert "error:" in capsys.readouterr().err


def test_class_lists():
    assert cli.arguments.class_list("0-8") == list(range(9))
    assert cli.arguments.class_list("1,3,5") == [1, 3, 5]
    assert cli.arguments.class_list("0-2,7") == [0, 1, 2, 7]
    for bad in ("", "a-b", "-1"):
        with pytest.raises(argparse.ArgumentTypeError):
            cli.arguments.class_list(bad)


def test_sample_refuses_models_without_a_prior(tmp_path, capsys):
    from tfgen.models import build_model

    build_model("ae", (8, 8, 1), code_size=2).save(tmp_path / "ae.keras")
    assert tfgen("sample", "--model", tmp_path / "ae.keras", "--out", tmp_path / "x.png") == 2
    assert "no latent prior to sample from" in capsys.readouterr().err


def test_parse_value():
    assert cli.parse_value("3") == 3 and cli.parse_value("2e-4") == 2e-4
    assert cli.parse_value("true") is True and cli.parse_value("False") is False
    assert cli.parse_value("64,32") == [64, 32] and cli.parse_value("[1, 2]") == [1, 2]
    assert cli.parse_value("relu") == "relu"


def test_console_script_help_for_every_verb():
    script = Path(sys.executable).parent / "tfgen"
    for verb in (
        [],
        ["train"],
        ["sample"],
        ["export"],
        ["evaluate"],
        ["latent"],
        ["latent", "grid"],
    ):
        result = subprocess.run([script, *verb, "--help"], capture_output=True, text=True)
        assert result.returncode == 0 and "usage: tfgen" in result.stdout
    result = subprocess.run([script, "train"], capture_output=True, text=True)
    assert result.returncode == 2 and "the following arguments are required" in result.stderr


@pytest.mark.slow
@pytest.mark.xdist_group("cli_trained_gan")
def test_sample_grid_values_match_the_model(trained_gan, tmp_path):
    from tfgen.models import load_model
    from tfgen.utils.images import image_grid, to_uint8

    out = tmp_path / "g.png"
    tfgen("sample", "--model", trained_gan / "model.keras", "--n", 4, "--upscale", 1, "--out", out)
    expected = to_uint8(image_grid(load_model(trained_gan / "model.keras").sample(4)))
    np.testing.assert_array_equal(tf.io.decode_png(out.read_bytes()).numpy(), expected)


def test_a_bad_setting_exits_2_before_tensorflow_loads(tmp_path):
    workdir = tmp_path / "run"
    script = Path(sys.executable).parent / "tfgen"
    argv = ["train", "dcgan", "--data", "digits", "--epochs", "1", "--workdir", str(workdir)]
    result = subprocess.run(
        [script, *argv, "--set", "latent_dim=true"], capture_output=True, text=True
    )
    assert result.returncode == 2
    assert result.stderr == (
        "tfgen train: error: latent_dim must be a positive integer. Received: latent_dim=True\n"
    )
    assert not workdir.exists()  # no model file, no run folder
    code = (
        "import sys\nfrom tfgen import cli\n"
        f"try:\n    cli.main({[*argv, '--set', 'd_learning_rate=-0.0002']!r})\n"
        "except SystemExit as e:\n    print(e.code, 'tensorflow' in sys.modules)\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.stdout.split() == ["2", "False"]
    assert "d_learning_rate must be a number > 0. Received: d_learning_rate=-0.0002" in (
        result.stderr
    )


def test_list_settings_prints_every_setting_with_its_default(capsys):
    from tfgen.config import DCGANOptions

    assert tfgen("train", "dcgan", "--list-settings") == 0  # no --data or --epochs needed
    lines = capsys.readouterr().out.splitlines()
    rows = {line.split()[0]: line for line in lines[2:]}
    assert set(rows) == set(DCGANOptions.names())
    assert rows["latent_dim"].split()[:5] == ["latent_dim", "a", "positive", "integer", "100"]
    for name, default in [
        ("g_widths", "auto"),
        ("d_learning_rate", "0.0002"),
        ("d_beta_1", "0.5"),
        ("d_batchnorm", "true"),
        ("loss", "non_saturating"),
        ("truncation_method", "scale"),
    ]:
        assert f"  {default}  " in rows[name], rows[name]
    assert tfgen("train", "wgan_gp", "--list-settings") == 0
    wgan = {line.split()[0]: line for line in capsys.readouterr().out.splitlines()[2:]}
    assert "  5  " in wgan["d_steps"] and "  wasserstein  " in wgan["loss"]


@pytest.mark.slow  # 6-11 s in the fast tier under xdist
def test_config_file_with_set_and_flags_overriding_it(tmp_path, capsys):
    workdir = tmp_path / "run"
    config = tmp_path / "run.yaml"
    config.write_text(
        "model: dcgan\n"
        "data: digits\n"
        "epochs: 3\n"
        "batch_size: 32\n"
        f"workdir: {workdir}\n"
        "seed: 5\n"
        "settings:\n"
        "  latent_dim: 4\n"
        "  g_widths: [32, 16, 8]\n"
        "  d_widths: 8,16\n"
        "  ema_decay: 0.5\n"
    )
    status = tfgen("train", "dcgan", "--config", config, "--epochs", 1, "--set", "latent_dim=8.0")
    assert status == 0, capsys.readouterr().err
    state = json.loads((workdir / "train_state.json").read_text())
    assert state["epochs"] == 1  # --epochs beats the file's epochs: 3
    assert (state["batch_size"], state["seed"]) == (32, 5)  # the file's run options
    hparams = state["hparams"]
    assert hparams["latent_dim"] == 8 and isinstance(hparams["latent_dim"], int)  # --set wins
    assert (hparams["g_widths"], hparams["d_widths"], hparams["ema_decay"]) == (
        [32, 16, 8],
        [8, 16],
        0.5,
    )
    assert hparams["seed"] == 5  # the model's seed follows the run's


@pytest.mark.parametrize(
    "content, message",
    [
        (None, "no such config file"),
        ("data: [digits\n", "not valid YAML"),
        ("- data\n- digits\n", "a config file holds a mapping"),
        ("data: digits\nepochs: 1\nepoch: 2\n", "unknown key(s) ['epoch']; accepted: model,"),
        ("data: digits\nepochs: 1.5\n", "epochs must be a positive integer"),
        ("data: digits\nepochs: 1\nmodel: vae\n", "the file is for model 'vae', not 'dcgan'"),
        ("data: digits\nepochs: 1\nsettings: [1]\n", "settings: must be a mapping"),
        (
            "data: digits\nepochs: 1\nsettings:\n  latent_dim: 0\n",
            "settings: latent_dim must be a positive integer",
        ),
        ("data: digits\nepochs: 1\nsettings:\n  lr: 1\n", "unknown hyperparameter(s) ['lr']"),
    ],
)
def test_a_bad_config_file_is_an_error_naming_it(content, message, tmp_path, capsys):
    config = tmp_path / "run.yaml"
    if content is not None:
        config.write_text(content)
    assert tfgen("train", "dcgan", "--config", config) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"tfgen train: error: {config}: ") and message in err, err
    assert len(err.splitlines()) == 1


def test_json_config_and_missing_run_options(tmp_path, capsys):
    config = tmp_path / "run.json"
    config.write_text('{"data": "digits", "hparams": {"latent_dim": 8}}')
    assert tfgen("train", "dcgan", "--config", config) == 2
    assert "required: --epochs (or give them in a --config file)" in capsys.readouterr().err
    config.write_text('{"data": "digits", ')
    assert tfgen("train", "dcgan", "--config", config) == 2
    assert "not valid JSON" in capsys.readouterr().err
    assert tfgen("train", "dcgan", "--epochs", 1) == 2
    assert "required: --data" in capsys.readouterr().err


@pytest.mark.parametrize(
    "argv, option, bad",
    [
        (
            ["sample", "--model", "m.keras", "--out", "x.png", "--psi-sweep", "1,abc"],
            "psi-sweep",
            "'abc'",
        ),
        (
            ["sample", "--model", "m.keras", "--out", "x.png", "--psi-sweep", "1,0"],
            "psi-sweep",
            "'0'",
        ),
        (
            ["sample", "--model", "m.keras", "--out", "x.png", "--psi-sweep", "0.5,"],
            "psi-sweep",
            "''",
        ),
        (
            [
                "attack",
                "fgsm",
                "--model",
                "m.keras",
                "--data",
                "digits",
                "--json",
                "r.json",
                "--eps",
                "0.1,-0.2",
            ],
            "eps",
            "'-0.2'",
        ),
        (
            ["latent", "traverse", "--model", "m.keras", "--out", "x.png", "--dims", "0,x"],
            "dims",
            "'x'",
        ),
        (
            [
                "latent",
                "attribute",
                "--model",
                "m.keras",
                "--out",
                "x.png",
                "--data",
                "digits",
                "--label",
                "1",
                "--strengths",
                "0,one",
            ],
            "strengths",
            "'one'",
        ),
    ],
)
def test_list_options_check_every_item_and_exit_2(argv, option, bad, capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    write_keras_archive(tmp_path / "m.keras", {})  # --model is checked first: a zip passes
    assert tfgen(*argv) == 2
    err = capsys.readouterr().err
    assert f"error: argument --{option}: expected comma-separated" in err
    assert f"{bad} is not. Received:" in err and "Traceback" not in err


def test_list_argument_types():
    arguments = cli.arguments
    assert arguments.psi_list("1,0.8, 0.5") == [1.0, 0.8, 0.5]
    assert arguments.positive_float_list("0.05,0.1") == [0.05, 0.1]
    assert arguments.float_list("0,-1.5") == [0.0, -1.5]
    assert arguments.index_list("0,3") == [0, 3]
    for parse, bad in [
        (arguments.psi_list, "1.5"),
        (arguments.psi_list, "nan"),
        (arguments.positive_float_list, "inf"),
        (arguments.float_list, ""),
        (arguments.index_list, "-1"),
        (arguments.index_list, "1.5"),
    ]:
        with pytest.raises(argparse.ArgumentTypeError, match=f"Received: {bad!r}"):
            parse(bad)


def write_keras_archive(path, config):
    """A hand-made .keras zip holding `config` as its config.json (as an attacker could)."""
    import zipfile

    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("metadata.json", json.dumps({"keras_version": "3.15.0"}))
        archive.writestr("config.json", json.dumps(config))
        archive.writestr("model.weights.h5", b"")
    return path


def test_unsafe_or_corrupt_model_files_are_refused_in_one_line(tmp_path, capsys):
    import keras

    from tfgen.models import build_model

    witness = tmp_path / "code_ran"
    crafted = write_keras_archive(
        tmp_path / "crafted.keras",
        {
            "module": "os",
            "class_name": "system",
            "config": {"command": f"touch {witness}"},
            "registered_name": "system",
        },
    )
    lambda_model = keras.Sequential([keras.Input((2,)), keras.layers.Lambda(lambda x: x * 2)])
    lambda_model.save(tmp_path / "lambda.keras")
    build_model("ae", (8, 8, 1), code_size=2).save(tmp_path / "ae.keras")
    data = (tmp_path / "ae.keras").read_bytes()
    (tmp_path / "truncated.keras").write_bytes(data[: len(data) // 2])
    (tmp_path / "garbage.keras").write_bytes(b"\x00garbage" * 10)
    cases = {
        crafted: r"Received: TypeError: Could not locate class 'system'",
        tmp_path / "lambda.keras": "Received: ValueError: Requested the deserialization of a "
        "`Lambda` layer",
        tmp_path / "truncated.keras": "a .keras file is a zip archive and this one is not",
        tmp_path / "garbage.keras": "a .keras file is a zip archive and this one is not",
    }
    out = tmp_path / "grid.png"
    for path, message in cases.items():
        assert tfgen("sample", "--model", path, "--out", out) == 2
        err = capsys.readouterr().err
        # not a zip: refused with --model's other checks, before TensorFlow loads
        where = "argument --model: " if "zip archive" in message else ""
        assert err.startswith(f"tfgen sample: error: {where}{path}: cannot load the model: ")
        assert message in err and err.count("\n") == 1, err
        assert "Traceback" not in err and "safe_mode=False" not in err
    assert not witness.exists() and not out.exists()


def test_bad_training_data_exits_2_in_one_line_and_writes_nothing(tmp_path, capsys):
    strings = tmp_path / "strings.tfrecord"
    with tf.io.TFRecordWriter(str(strings)) as writer:  # labels stored as bytes, not int64
        for _ in range(3):
            png = tf.io.encode_png(np.zeros((8, 8, 1), np.uint8)).numpy()
            feature = {
                "image": tf.train.Feature(bytes_list=tf.train.BytesList(value=[png])),
                "label": tf.train.Feature(bytes_list=tf.train.BytesList(value=[b"seven"])),
            }
            writer.write(
                tf.train.Example(features=tf.train.Features(feature=feature)).SerializeToString()
            )
    cases = [
        (
            ["--data", strings],
            r"strings.tfrecord \(record 0\): feature 'label' must be an int64_list",
        ),
        (
            ["--data", strings, "--skip-errors"],
            "strings.tfrecord: feature 'label' must be an int64_list holding one integer class "
            "label; all 3 records",
        ),
        (
            ["--data", "digits", "--classes", "0-8,11"],
            r"classes must be labels that digits holds: 0-9; no example has label\(s\) \[11\]. "
            "Received: classes=0-8,11",
        ),
        (
            ["--data", "digits", "--batch-size", "4000"],
            r"batch_size must be at most the number of training examples: digits has 1797 "
            r"training example\(s\).*Received: batch_size=4000",
        ),
    ]
    workdir = tmp_path / "run"
    for argv, message in cases:
        assert tfgen("train", "dcgan", *argv, "--epochs", 1, "--workdir", workdir) == 2
        err = capsys.readouterr().err
        assert re.search(message, err) and err.startswith("tfgen train: error: "), err
        assert err.count("\n") == 1 and "Traceback" not in err
        assert not workdir.exists()


def test_files_that_fail_only_when_read_exit_2_in_one_line(tmp_path, capsys):
    """A corrupt body and another size pass the index pass (their headers are fine) and fail
    when tf.data decodes them during `fit`: one line naming the file and what to do, exit 2.
    `evaluate` reads data into memory, and refuses such a file in one line too."""
    from tests.data.test_streaming import BIG, CONVERT, CORRUPT, SKIP, write_bad_files, write_folder
    from tfgen.models import build_model

    write_folder(tmp_path / "data", n=16)
    write_bad_files(tmp_path / "data" / "a")
    workdir = tmp_path / "run"
    assert tfgen("train", "ae", "--data", tmp_path / "data", *TINY_AE, "--workdir", workdir) == 2
    err = capsys.readouterr().err
    assert err.startswith("tfgen train: error: ") and err.count("\n") == 1, err
    assert re.fullmatch(rf"tfgen train: error: ({CORRUPT} {SKIP}|{BIG} {CONVERT}.*)\n", err), err
    assert not (workdir / "model.keras").exists()

    build_model("ae", (6, 5, 3), architecture="dense", widths=[8]).save(tmp_path / "ae.keras")
    report = ["--model", tmp_path / "ae.keras", "--json", tmp_path / "r.json"]
    assert tfgen("evaluate", *report, "--data", tmp_path / "data") == 2
    err = capsys.readouterr().err
    assert re.fullmatch(rf"tfgen evaluate: error: {CORRUPT} {SKIP}\n", err), err


def test_skip_errors_trains_on_the_rest_and_names_files_that_fail_when_read(tmp_path, caplog):
    from tests.data.test_streaming import BIG, CORRUPT, write_bad_files, write_folder

    write_folder(tmp_path / "data", n=16)
    write_bad_files(tmp_path / "data" / "a")
    workdir = tmp_path / "run"
    train = ["train", "ae", "--data", tmp_path / "data", *TINY_AE, "--workdir", workdir]
    assert tfgen(*train, "--skip-errors") == 0
    assert "data: skipped 2 unreadable image file(s)" in caplog.text
    big, corrupt = json.loads((workdir / "train_state.json").read_text())["skipped_files"]
    assert re.fullmatch(BIG, big) and re.fullmatch(CORRUPT, corrupt)
