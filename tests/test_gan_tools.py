"""Detection with a trained discriminator, synthetic datasets the data layer reads back, and
the sampling views of `tfgen sample`."""

import json

import numpy as np
import pytest
import tensorflow as tf

from tests.test_cli import tfgen
from tests.utils.test_plots import capture_figures, png_size
from tfgen.data import load_examples, read_arrays
from tfgen.errors import InputError
from tfgen.evaluation.detection import detection_report, score_images
from tfgen.tools.synthetic import generate_dataset

DCGAN = dict(latent_dim=16, g_widths=[64, 32, 16], d_widths=[16, 32])


# the tests share the `trained` fixture: one worker builds it once (see pyproject.toml)
pytestmark = pytest.mark.xdist_group("gan_tools_trained")


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    """A DCGAN and a conditional GAN trained briefly on 90% of the digits."""
    root = tmp_path_factory.mktemp("gans")
    split = ["--data", "digits", "--validation-split", "0.1"]
    widths = ["--set", "latent_dim=16", "--set", "g_widths=64,32,16", "--set", "d_widths=16,32"]
    assert (
        tfgen(
            "train",
            "dcgan",
            *split,
            "--epochs",
            4,
            "--workdir",
            root / "dcgan",
            *widths,
            "--no-monitor",
        )
        == 0
    )
    assert (
        tfgen(
            "train",
            "cgan",
            *split,
            "--epochs",
            2,
            "--workdir",
            root / "cgan",
            *widths,
            "--no-monitor",
        )
        == 0
    )
    return root


def held_out_digits():
    return load_examples("digits", pixel_range=(0, 1), validation_split=0.1, subset="validation")[0]


@pytest.mark.slow
def test_discriminator_tells_its_generator_from_held_out_digits(trained):
    from tfgen.models import load_model

    gan = load_model(trained / "dcgan" / "model.keras")
    real = held_out_digits()
    fake = gan.sample(len(real), seed=123)
    report, real_scores, fake_scores = detection_report(gan, real, fake)
    assert report["auroc"] > 0.7, report  # better than chance on images it never saw
    assert report["accuracy"] == pytest.approx(
        (np.sum(real_scores > 0) + np.sum(fake_scores <= 0)) / (2 * len(real))
    )
    _, probabilities = score_images(gan, real[:5])
    np.testing.assert_allclose(probabilities, 1 / (1 + np.exp(-real_scores[:5])), rtol=1e-6)


@pytest.mark.slow
def test_detect_command_scores_files_and_compares_folders(trained, tmp_path, capsys):
    model = trained / "dcgan" / "model.keras"
    assert tfgen("generate", "--model", model, "--n", 60, "--out", tmp_path / "fake") == 0
    real = tmp_path / "real.npz"
    np.savez(real, x=held_out_digits()[:60])
    assert (
        tfgen(
            "detect",
            "--model",
            model,
            "--real",
            real,
            "--fake",
            tmp_path / "fake",
            "--json",
            tmp_path / "d.json",
            tmp_path / "fake" / "00.png",
        )
        == 0
    )
    report = json.loads((tmp_path / "d.json").read_text())
    summary = report["real_vs_generated"]
    assert summary["real_images"] == 60 and summary["generated_images"] == 60
    assert 0.0 <= summary["auroc"] <= 1.0 and "accuracy" in summary
    assert report["images"][0]["path"].endswith("00.png") and 0 < report["images"][0]["p_real"] < 1
    assert tfgen("detect", "--model", model) == 2
    assert "give images to score" in capsys.readouterr().err


@pytest.mark.slow  # a module fixture trains its models only for this test in the fast tier
def test_synthetic_folder_and_tfrecord_read_back_with_labels(trained, tmp_path):
    from tfgen.models import load_model

    cgan = load_model(trained / "cgan" / "model.keras")
    path, count, labels = generate_dataset(cgan, 3, tmp_path / "per_class", per_class=True)
    arrays = read_arrays(str(path))
    assert count == 30 and arrays.images.shape == (30, 8, 8, 1)
    assert arrays.info.class_names == tuple(str(k) for k in range(10))
    np.testing.assert_array_equal(arrays.labels, np.repeat(np.arange(10), 3))
    np.testing.assert_allclose(arrays.images[:3] / 255, cgan.sample_per_class(3)[:3], atol=1 / 255)
    _, _, labels = generate_dataset(cgan, 25, tmp_path / "synth.tfrecord", seed=7)
    back = read_arrays(str(tmp_path / "synth.tfrecord"))
    np.testing.assert_array_equal(back.labels, np.arange(25) % 10)
    with pytest.raises(InputError, match="exists; choose a new path"):
        generate_dataset(cgan, 3, tmp_path / "synth.tfrecord")
    gan = load_model(trained / "dcgan" / "model.keras")
    with pytest.raises(InputError, match="--per-class needs a conditional model"):
        generate_dataset(gan, 3, tmp_path / "x", per_class=True)


@pytest.mark.slow
def test_sample_views(trained, tmp_path, capsys, monkeypatch):
    gan, cgan = trained / "dcgan" / "model.keras", trained / "cgan" / "model.keras"
    cases = [  # plain samples: a bare grid, pixel for pixel
        ([gan, "--n", 4, "--truncation", 0.5, "--truncation-method", "resample"], (2, 2)),
        ([cgan, "--n", 6, "--label", 3, "--columns", 3], (2, 3)),
    ]
    for args, (rows, columns) in cases:
        out = tmp_path / "view.png"
        assert tfgen("sample", "--model", *args, "--upscale", 1, "--out", out) == 0, args
        grid = tf.io.decode_png(out.read_bytes()).numpy()
        assert grid.shape == (rows * 9 + 1, columns * 9 + 1, 1), args
    # finding 7: sweeps, strips and class rows say what each row or column is, readably
    figures = capture_figures(monkeypatch)
    labelled = {
        "psi.png": ([gan, "--n", 6, "--psi-sweep", "1,0.5,0.1"], ["psi 1", "psi 0.5", "psi 0.1"]),
        "slerp.png": ([gan, "--n", 3, "--interpolate", 1, 2], ["seed 1", "t=0.50", "seed 2"]),
        "classes.png": ([cgan, "--n", 5, "--per-class"], [f"class {k}" for k in range(10)]),
    }
    for name, (args, labels) in labelled.items():
        assert tfgen("sample", "--model", *args, "--out", tmp_path / name) == 0, name
        assert figures[name][: len(labels)] == labels, name
        assert png_size(tmp_path / name)[0] >= 400, name
    assert figures["psi.png"][-1] == "truncation sweep, seeds 0..5"
    assert png_size(tmp_path / "classes.png")[1] >= 10 * 64  # ten 64-pixel rows
    assert tfgen("sample", "--model", gan, "--per-class", "--out", tmp_path / "x.png") == 2
    assert "need a conditional model" in capsys.readouterr().err
