"""`tfgen evaluate`: held-out data from the run, every section, files, and bad input."""

import csv
import json

import numpy as np
import pytest

from tests.test_cli import tfgen
from tests.utils.test_plots import capture_figures, png_size
from tfgen.errors import InputError
from tfgen.evaluation import evaluate
from tfgen.evaluation.generators import generated_images
from tfgen.evaluation.report import estimate_budget

TRAINING_RUNS = {
    "ae": [
        "ae",
        "--classes",
        "0-8",
        "--epochs",
        2,
        "--set",
        "architecture=dense",
        "--set",
        "widths=64",
        "--set",
        "code_size=8",
    ],
    "dae": ["denoising_ae", "--epochs", 1, "--set", "architecture=dense", "--set", "widths=64"],
    "vae": [
        "vae",
        "--epochs",
        1,
        "--set",
        "architecture=dense",
        "--set",
        "widths=64",
        "--set",
        "latent_dim=2",
        "--set",
        "binarize=true",
    ],
    "gan": ["dcgan", "--epochs", 1, "--set", "g_widths=16,8,4", "--set", "d_widths=4,8"],
    "classifier": ["classifier", "--epochs", 4, "--set", "widths=16,32"],
}


def test_the_sampling_stage_is_sample_in_chunks_with_progress():
    """evaluate's sampling stage over several 1024-image chunks: `sample`'s images, seed + i
    for image i, and the progress bar at n."""
    from types import SimpleNamespace

    from tests.models.test_gan_family import tiny

    gan, steps = tiny("dcgan"), []
    images = generated_images(gan, 2100, seed=5, progress=SimpleNamespace(add=steps.append))
    np.testing.assert_array_equal(images, gan.sample(2100, seed=5))
    np.testing.assert_array_equal(images[1030:1033], gan.sample(3, seed=1035))
    assert steps == [1024, 1024, 52]


# the tests share the `runs` fixture: one worker builds it once (see pyproject.toml)
pytestmark = pytest.mark.xdist_group("evaluation_runs")


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    """Small models trained briefly on the bundled digits, and the classifier exported."""
    root = tmp_path_factory.mktemp("runs")
    for name, args in TRAINING_RUNS.items():
        model, *options = args
        assert tfgen("train", model, "--data", "digits", "--workdir", root / name, *options) == 0
    assert (
        tfgen(
            "export",
            "--model",
            root / "classifier" / "model.keras",
            "--name",
            "digits_classifier",
            "--base",
            root / "exports",
        )
        == 0
    )
    return root


@pytest.mark.slow
def test_anomaly_report_on_the_runs_held_out_split(runs, tmp_path, monkeypatch):
    figures = capture_figures(monkeypatch)
    report = evaluate(
        runs / "ae" / "model.keras", "digits", json_path=tmp_path / "r.json", anomaly_classes=[9]
    )
    # digits 0-8: 1617 images, 10% held out by the run -> 161 normal; all 180 nines
    assert report["anomaly"]["normal_images"] == 161
    assert report["anomaly"]["anomalies"] == 180
    assert "held-out 10% validation split" in report["data"]["scored"]
    assert report["data"]["warnings"] == []
    section = report["anomaly"]
    assert section["score"] == "error_map_peak" and section["error_window"] == 3  # 0.4 x 8 pixels
    assert set(section["auroc_by_score"]) == {"error_map_peak", "reconstruction_mse"}
    assert section["auroc"] == section["auroc_by_score"]["error_map_peak"]
    assert 0.0 <= section["auroc"] <= 1.0
    assert section["calibration_images"] == 80
    assert json.loads((tmp_path / "r.json").read_text()) == report
    for key in ("per_image", "reconstructions", "scores", "roc"):
        assert (tmp_path / report["files"][key].split("/")[-1]).is_file(), key
    # finding 7: the ROC says what it is and its AUROC; reconstructions label their rows
    assert f"ROC of error_map_peak: AUROC {section['auroc']:.3f}" in figures["r.roc.png"]
    assert figures["r.reconstructions.png"] == ["original", "reconstruction"] * 2
    with open(report["files"]["per_image"]) as f:
        rows = list(csv.DictReader(f))
    assert len(rows) == 341 and sum(int(r["is_anomaly"]) for r in rows) == 180
    mse = np.array([float(r["mse"]) for r in rows])
    assert report["reconstruction"]["mse"] == pytest.approx(mse.mean(), rel=1e-4)
    nines = np.array([float(r["score_error_map_peak"]) for r in rows if r["is_anomaly"] == "1"])
    assert len(nines) == 180


@pytest.mark.slow
def test_denoising_section(runs, tmp_path):
    report = evaluate(runs / "dae" / "model.keras", "digits", json_path=tmp_path / "d.json")
    section = report["denoising"]
    assert (section["noise"], section["level"]) == ("gaussian", 0.5)
    assert section["gain_db"] == pytest.approx(
        section["denoised_psnr_db"] - section["noisy_psnr_db"]
    )
    assert "denoising" in report["files"]


@pytest.mark.slow  # a module fixture trains its models only for this test in the fast tier
def test_likelihood_section_and_bounds_order(runs, tmp_path):
    report = evaluate(
        runs / "vae" / "model.keras",
        "digits",
        json_path=tmp_path / "v.json",
        iwae_samples=50,
        verbose=False,
    )
    section = report["likelihood"]
    assert section["iwae_samples"] == 50 and section["data"].startswith("binarised")
    # the importance-weighted bound is tighter than the ELBO
    assert section["iwae_bound_nats"] > section["elbo_nats"]
    assert section["nll_nats"] == pytest.approx(-section["iwae_bound_nats"])
    with open(report["files"]["per_image"]) as f:
        bounds = np.array([float(row["iwae_bound_nats"]) for row in csv.DictReader(f)])
    assert section["images"] == len(bounds) == report["data"]["images"]
    # the standard error of the mean: std with ddof 1 over sqrt(n), from the per-image bounds
    standard_error = bounds.std(ddof=1) / np.sqrt(len(bounds))
    assert section["nll_standard_error_nats"] == pytest.approx(standard_error, rel=1e-4)


def test_the_quick_and_the_full_estimate_budgets():
    """Finding 6: K = 5000 on every image took ~40 minutes; the default is the quick one."""
    assert estimate_budget(is_vae=True, full=False) == (100, 1000)
    assert estimate_budget(is_vae=True, full=True) == (5000, None)
    assert estimate_budget(is_vae=False, full=False) == (100, None)  # no K: nothing to cap
    assert estimate_budget(True, False, iwae_samples=7, max_examples=50) == (7, 50)
    assert estimate_budget(True, True, iwae_samples=300) == (300, None)


@pytest.mark.slow  # a module fixture trains its models only for this test in the fast tier
def test_cli_evaluate_is_quick_by_default_and_full_on_request(runs, tmp_path, capsys):
    vae = ["evaluate", "--model", runs / "vae" / "model.keras", "--data", "digits"]
    assert tfgen(*vae, "--json", tmp_path / "quick.json") == 0
    out = capsys.readouterr().out
    quick = json.loads((tmp_path / "quick.json").read_text())
    assert quick["settings"]["full"] is False and quick["settings"]["max_examples"] == 1000
    assert quick["likelihood"]["iwae_samples"] == 100
    nll, error = quick["likelihood"]["nll_nats"], quick["likelihood"]["nll_standard_error_nats"]
    assert f"nll {nll:.2f} +- {error:.2f} nats (standard error over" in out
    assert "IWAE K=100, a looser bound than K=5000: --full" in out
    assert tfgen(*vae, "--json", tmp_path / "full.json", "--full", "--iwae-samples", 3) == 0
    full = json.loads((tmp_path / "full.json").read_text())
    assert full["settings"]["full"] is True and full["settings"]["max_examples"] is None
    assert full["likelihood"]["iwae_samples"] == 3
    assert "--full for" not in capsys.readouterr().out


@pytest.mark.slow
def test_vae_anomaly_scores_include_the_likelihood(runs, tmp_path):
    report = evaluate(
        runs / "vae" / "model.keras",
        "digits",
        json_path=tmp_path / "va.json",
        anomaly_classes=[9],
        anomaly_score="negative_iwae",
        iwae_samples=20,
        verbose=False,
    )
    section = report["anomaly"]
    assert set(section["auroc_by_score"]) == {
        "error_map_peak",
        "reconstruction_mse",
        "negative_elbo",
        "negative_iwae",
    }
    assert section["auroc"] == section["auroc_by_score"]["negative_iwae"]
    # trained on every digit, the nines are not news to it
    assert report["data"]["warnings"] == ["the anomaly classes were part of the training data"]
    with pytest.raises(InputError, match="anomaly_score for Autoencoder must be one of"):
        evaluate(
            runs / "ae" / "model.keras",
            "digits",
            json_path=tmp_path / "x.json",
            anomaly_classes=[9],
            anomaly_score="negative_elbo",
        )


@pytest.mark.slow
def test_other_data_is_scored_whole(runs, tmp_path):
    report = evaluate(
        runs / "ae" / "model.keras",
        "digits",
        json_path=tmp_path / "all.json",
        held_out=False,
        max_examples=100,
    )
    assert report["data"]["images"] == 100 and "all of digits" in report["data"]["scored"]


@pytest.mark.slow
def test_cli_evaluate_and_its_errors(runs, tmp_path, capsys):
    ae = ["evaluate", "--model", runs / "ae" / "model.keras", "--data", "digits"]
    assert tfgen(*ae, "--json", tmp_path / "c.json", "--anomaly-classes", "9") == 0
    out = capsys.readouterr().out
    assert "anomaly: auroc" in out and "reconstruction: mse" in out
    classifier = ["evaluate", "--model", runs / "classifier" / "model.keras", "--data", "digits"]
    assert tfgen(*classifier, "--json", tmp_path / "k.json") == 2
    assert "measures autoencoders and generative models" in capsys.readouterr().err
    dae = ["evaluate", "--model", runs / "dae" / "model.keras", "--data", "digits"]
    assert tfgen(*dae, "--json", tmp_path / "n.json", "--noise", "blur:1") == 2
    assert "noise must be one of" in capsys.readouterr().err
    gan = ["evaluate", "--model", runs / "gan" / "model.keras", "--data", "digits"]
    features = f"classifier:{runs / 'exports' / 'digits_classifier'}"
    assert tfgen(*gan, "--json", tmp_path / "s.json", "--features", features, "--n", 300) == 0
    out = capsys.readouterr().out
    assert "samples: fid" in out and "real-vs-real floor: fid" in out


@pytest.mark.slow
def test_gan_sample_metrics_with_the_real_floor(runs, tmp_path):
    features = f"classifier:{runs / 'exports' / 'digits_classifier'}"
    report = evaluate(
        runs / "gan" / "model.keras",
        "digits",
        json_path=tmp_path / "g.json",
        features=features,
        samples=600,
        verbose=False,
    )
    section = report["samples"]
    assert section["features"] == features and section["generated_images"] == 600
    assert section["real_images"] == 1797  # a GAN trains on every image: FID against all
    for name in ("fid", "kid", "precision", "recall", "density", "coverage", "classifier_score"):
        assert name in section and name in section["real_floor"], name
    # a one-epoch generator is far from the data; two halves of the data are not
    assert section["fid"] > 3 * section["real_floor"]["fid"]
    assert section["real_floor"]["precision"] > 0.8 and section["real_floor"]["recall"] > 0.8
    assert section["fid_checks"]["sqrtm_disagreement"] < 1e-3
    assert (tmp_path / "g.samples.png").is_file()
    assert "reconstruction" not in report


@pytest.mark.slow
def test_default_features_find_the_newest_exported_classifier(runs, tmp_path):
    from tfgen.evaluation.generators import default_features
    from tfgen.models import load_model

    gan = load_model(runs / "gan" / "model.keras")
    assert default_features(gan, base=runs / "exports") == (
        f"classifier:{runs / 'exports' / 'digits_classifier'}"
    )
    with pytest.raises(InputError, match="tfgen train classifier"):
        default_features(gan, base=tmp_path)


@pytest.mark.slow
def test_attack_command_on_the_classifiers_held_out_digits(runs, tmp_path, capsys, monkeypatch):
    figures = capture_figures(monkeypatch)
    assert (
        tfgen(
            "attack",
            "fgsm",
            "--model",
            runs / "classifier" / "model.keras",
            "--data",
            "digits",
            "--eps",
            "0.1,0.3",
            "--json",
            tmp_path / "a.json",
        )
        == 0
    )
    report = json.loads((tmp_path / "a.json").read_text())
    assert report["images"] == 179 and "held-out" in report["scored"]
    accuracy = report["accuracy"]
    assert list(accuracy) == ["0", "0.1", "0.3"] and accuracy["0"] > accuracy["0.3"]
    assert report["error_rate"]["0.3"] == pytest.approx(1 - accuracy["0.3"])
    for key in ("curve", "examples"):
        assert (tmp_path / report["files"][key].split("/")[-1]).is_file()
    # finding 7: each row of examples says its eps and the accuracy there
    rows = [
        f"clean: acc {accuracy['0']:.2f}",
        *(f"eps {e}: acc {accuracy[e]:.2f}" for e in ("0.1", "0.3")),
    ]
    assert figures["a.examples.png"] == [*rows, "FGSM adversarial examples (rows: eps, accuracy)"]
    assert png_size(tmp_path / "a.examples.png")[0] >= 8 * 64
    assert (
        tfgen(
            "attack",
            "fgsm",
            "--model",
            runs / "gan" / "model.keras",
            "--data",
            "digits",
            "--json",
            tmp_path / "b.json",
        )
        == 2
    )
    assert "attacks measure classifiers" in capsys.readouterr().err


@pytest.mark.slow  # 6-12 s in the fast tier under xdist
def test_evaluate_without_data_scores_the_test_split_of_the_training_folder(fashion_dir, tmp_path):
    """The library resolves the default data itself (the command line passes None): a model
    trained on the real Fashion-MNIST folder's train split is scored on its test split."""
    from tfgen.training import train

    ae = {"architecture": "dense", "widths": [16], "code_size": 2}
    run = train("ae", f"{fashion_dir}:train", epochs=1, workdir=tmp_path / "run",
                batch_size=256, hparams=ae, classes=[0], verbose=0)  # fmt: skip
    report = evaluate(run.paths.model, json_path=tmp_path / "r.json", max_examples=200)
    assert report["data"]["source"] == f"{fashion_dir}:test"
    # the run's class filter applies on its test split too: 200 of the 1000 test T-shirts
    assert report["data"]["scored"] == f"all of {fashion_dir}:test (classes [0])"
    assert report["data"]["images"] == 200
    with pytest.raises(InputError, match=r"no run record says which data .*--data SOURCE"):
        evaluate(tmp_path / "none.keras", json_path=tmp_path / "n.json")


@pytest.mark.slow
def test_the_held_out_split_of_a_run_that_skipped_files_as_read_is_the_runs_own(tmp_path):
    """A streamed run indexes a file with a corrupt body and drops it after the split, when it
    reads it: evaluation rebuilds that split the same way, so it scores none of the run's
    training images (read into memory, the file would be dropped before the split, and the
    seeded split would hold other images)."""
    from tests.data.test_streaming import write_bad_files, write_folder
    from tfgen.data import load_dataset
    from tfgen.evaluation.data import evaluation_data
    from tfgen.training import train

    data = tmp_path / "data"
    write_folder(data, n=20, size=(8, 8), channels=1)
    write_bad_files(data / "a", size=(8, 8), channels=1)
    ae = {"architecture": "dense", "widths": [8], "code_size": 2}
    run = train("ae", str(data), epochs=1, workdir=tmp_path / "run", batch_size=4, hparams=ae,
                validation_split=0.5, skip_errors=True, verbose=0)  # fmt: skip

    def part(subset):  # as the run read it
        ds = load_dataset(str(data), validation_split=0.5, subset=subset, skip_errors=True,
                          shuffle=False, pixel_range=run.model.pixel_range)  # fmt: skip
        return np.concatenate([x.numpy() for x, _ in ds])

    scored = evaluation_data(run.model, run.paths.model, str(data)).images

    def among(image, images):
        return any(np.allclose(image, other, atol=1e-6) for other in images)

    assert not any(among(image, part("training")) for image in scored)
    assert all(among(image, scored) for image in part("validation"))
