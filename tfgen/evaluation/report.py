"""`tfgen evaluate`: every metric that fits the model, with how it was computed, as JSON + PNGs.

For the autoencoder family: reconstruction MSE/BCE/PSNR; for a denoising autoencoder the PSNR
gain over its noisy input; for a VAE the ELBO and the IWAE bound (nats); and, given anomaly
classes, AUROC and a quantile threshold. For models that generate: FID, KID, precision/recall,
density/coverage and the classifier score of samples, each with its real-vs-real floor.
"""

import csv
import time
from pathlib import Path

import keras
import numpy as np

import tfgen
from tfgen.errors import InputError
from tfgen.evaluation import autoencoders
from tfgen.evaluation.data import default_source, evaluation_data
from tfgen.evaluation.generators import default_features, sample_metrics
from tfgen.metrics import default_error_window
from tfgen.models import load_model
from tfgen.models.autoencoder import DenoisingAutoencoder
from tfgen.models.vae import VAE
from tfgen.utils import plots
from tfgen.utils.images import write_grid
from tfgen.utils.io import atomic_path, write_json_atomic

ANOMALY_SCORES = ("error_map_peak", "reconstruction_mse", "negative_elbo", "negative_iwae")

# A VAE's IWAE bound costs K decoder passes per image: K = 5000 on the 1,000 held-out images of
# the README's MNIST VAE took ~40 minutes here. Measured in CPU time (the 2 cores were shared):
# loading, reconstruction and ELBO of 300 images 13 CPU-s, the bound at K = 100 another 0.061
# CPU-s per image. The quick defaults (K = 100, 1,000 images) took 65 CPU-s in all, 33-65 s
# on 2 free cores; `full=True` (K = 5000, every image) is the literature's estimate.
FULL_IWAE_SAMPLES = 5000
QUICK_IWAE_SAMPLES = 100
QUICK_MAX_IMAGES = 1000  # a VAE scores at most this many images (and anomalies) unless full


def evaluate(
    model_path,
    data=None,
    *,
    json_path,
    features=None,
    samples=10000,
    truncation=1.0,
    anomaly_classes=None,
    anomaly_score="error_map_peak",
    error_window=None,
    iwae_samples=None,
    threshold_quantile=0.95,
    noise=None,
    held_out=True,
    max_examples=None,
    full=False,
    seed=0,
    verbose=True,
    **data_options,
):
    """Evaluates the model saved at `model_path` on `data` and writes the report.

    Args:
        data: the source to score; None scores the test split of the model's training data
            when that source has one (fashion_mnist or fashion_mnist:train ->
            fashion_mnist:test, an IDX folder with train- and t10k- files -> FOLDER:test),
            else the training data itself, whose held-out split is then scored (see
            `tfgen.evaluation.data.default_source`).
        json_path: the JSON report; its siblings `<stem>.per_image.csv` and `<stem>.*.png`
            hold per-image values and plots.
        features: the feature extractor of the sample metrics ("classifier:PATH",
            "inception", ...; see `tfgen.metrics.features`). Models that generate get sample
            metrics; GANs default to the newest exported classifier for their image shape.
        samples: generated images for the sample metrics (seeds seed .. seed + samples - 1).
        truncation: psi of the generated images.
        anomaly_classes: labels to treat as anomalies (e.g. [9]); adds the anomaly section.
        anomaly_score: the score whose threshold and plots are reported (AUROC is reported for
            every score): "error_map_peak" (the peak of the `error_window`-smoothed squared-error
            map), "reconstruction_mse", or for a VAE "negative_elbo" / "negative_iwae".
        error_window: side of the window the error map is averaged over; default
            `tfgen.metrics.default_error_window` (about 0.4 of the image side, 11 on MNIST).
        iwae_samples: K of the importance-weighted bound (VAE); default
            `QUICK_IWAE_SAMPLES`, or `FULL_IWAE_SAMPLES` (5000, the literature's NLL estimate)
            when `full`. The bound tightens with K; its standard error over images is reported.
        threshold_quantile: the anomaly threshold's quantile of normal validation scores.
        noise: (kind, level) corruption for the denoising section; a denoising autoencoder
            defaults to its own training noise.
        held_out: score the run's held-out split when `data` is what the model trained on.
        max_examples: score at most this many real images (and this many anomalies); a VAE
            defaults to `QUICK_MAX_IMAGES` unless `full`, other models to every image.
        full: the full estimate: K = 5000 and every image (tens of minutes for a VAE).
        seed: seeds every random draw of the evaluation.
        **data_options: image_size, channels, classes, skip_errors, tfds_data_dir.

    Returns:
        The report as a dict (also written to `json_path`).

    Raises:
        InputError: a model evaluate cannot measure, a bad option, unusable data, or no data
            given for a model without a run record to take it from.
    """
    start = time.monotonic()
    data = default_source(model_path) if data is None else data
    model = load_model(model_path)
    _check_options(model, model_path, anomaly_score, threshold_quantile)
    iwae_samples, max_examples = estimate_budget(
        isinstance(model, VAE), full, iwae_samples, max_examples
    )
    subject = evaluation_data(
        model,
        model_path,
        data,
        anomaly_classes=anomaly_classes,
        held_out=held_out,
        max_examples=max_examples,
        **data_options,
    )
    files = _files(json_path)
    report = _header(model, model_path, data, subject, seed, held_out, max_examples, full)
    columns = {}
    if model.can_encode:
        columns = _autoencoder_sections(
            report,
            model,
            subject,
            files,
            noise,
            iwae_samples,
            anomaly_score,
            error_window,
            threshold_quantile,
            seed,
            verbose,
        )
    if model.can_sample and (features or not model.can_encode):
        low, high = model.pixel_range
        normal = (
            subject.images if subject.is_anomaly is None else subject.images[~subject.is_anomaly]
        )
        progress = keras.utils.Progbar(samples, unit_name="sample") if verbose else None
        report["samples"], generated = sample_metrics(
            model,
            (normal - low) / (high - low),
            features or default_features(model),
            samples,
            seed,
            truncation,
            progress,
        )
        write_grid(files["samples"], generated[:64], columns=8)
    if columns:
        _write_csv(files["per_image"], subject, columns)
    report["files"] = {k: str(v) for k, v in files.items() if Path(v).exists()}
    report["seconds"] = round(time.monotonic() - start, 2)
    write_json_atomic(json_path, report)
    return report


def estimate_budget(is_vae, full, iwae_samples=None, max_examples=None):
    """(K of the IWAE bound, images to score at most) for the quick or the `full` estimate;
    values given explicitly win. Only a VAE's per-image cost (K decoder passes) needs the cap."""
    k = iwae_samples or (FULL_IWAE_SAMPLES if full else QUICK_IWAE_SAMPLES)
    if max_examples is None and is_vae and not full:
        max_examples = QUICK_MAX_IMAGES
    return k, max_examples


def _autoencoder_sections(
    report,
    model,
    subject,
    files,
    noise,
    iwae_samples,
    anomaly_score,
    error_window,
    threshold_quantile,
    seed,
    verbose,
):
    """Adds reconstruction, denoising, likelihood and anomaly sections; returns per-image
    columns."""
    summary, columns, reconstructions = autoencoders.reconstruction(model, subject.images)
    report["reconstruction"] = summary
    _write_comparison(files["reconstructions"], subject.images, {"reconstruction": reconstructions})
    noise = noise or (
        (model.noise, model.noise_level) if isinstance(model, DenoisingAutoencoder) else None
    )
    if noise is not None:
        summary, more, noisy, denoised = autoencoders.denoising(model, subject.images, *noise, seed)
        report["denoising"], columns = summary, {**columns, **more}
        _write_comparison(
            files["denoising"],
            subject.images,
            {f"{noise[0]} {noise[1]:g}": noisy, "denoised": denoised},
        )
    likelihood_columns = None
    if isinstance(model, VAE):
        progress = keras.utils.Progbar(len(subject.images), unit_name="image") if verbose else None
        report["likelihood"], likelihood_columns = autoencoders.likelihood(
            model, subject.images, iwae_samples, seed, progress
        )
        columns.update(likelihood_columns)
    if subject.is_anomaly is not None:
        error_window = error_window or default_error_window(subject.images.shape[1:3])
        scores = autoencoders.anomaly_scores(
            subject.images, reconstructions, error_window, likelihood_columns
        )
        report["anomaly"] = _anomaly_section(
            scores, subject.is_anomaly, anomaly_score, threshold_quantile, seed, files
        )
        report["anomaly"]["error_window"] = error_window
        columns.update({f"score_{name}": values for name, values in scores.items()})
    return columns


def _check_options(model, model_path, anomaly_score, threshold_quantile):
    if not (model.can_encode or model.can_sample):
        raise InputError(
            f"{model_path}: `tfgen evaluate` measures autoencoders and generative models; for "
            f"a {type(model).__name__} use `tfgen attack` (robustness) or its training logs."
        )
    allowed = ANOMALY_SCORES if isinstance(model, VAE) else ANOMALY_SCORES[:2]
    if anomaly_score not in allowed:
        raise InputError(
            f"anomaly_score for {type(model).__name__} must be one of {allowed}. "
            f"Received: {anomaly_score!r}"
        )
    if not 0.0 < threshold_quantile < 1.0:
        raise InputError(f"threshold_quantile must be in (0, 1). Received: {threshold_quantile!r}")


def _header(model, model_path, data, subject, seed, held_out, max_examples, full):
    return {
        "tfgen_version": tfgen.__version__,
        "model": {
            "path": str(model_path),
            "class": type(model).__name__,
            "latent_dim": model.latent_dim,
            "image_shape": list(model.image_shape),
        },
        "data": {
            "source": data,
            "images": int(len(subject.images)),
            "scored": subject.description,
            "warnings": subject.warnings,
        },
        "settings": {
            "seed": seed,
            "held_out": held_out,
            "max_examples": max_examples,
            "full": full,
        },
    }


def _anomaly_section(scores, is_anomaly, primary, quantile, seed, files):
    summary, (fpr, tpr) = autoencoders.anomaly(scores, is_anomaly, primary, quantile, seed)
    score = scores[primary]
    plots.histograms(
        files["scores"],
        {"normal": score[~is_anomaly], "anomalies": score[is_anomaly]},
        primary,
        threshold=summary["threshold"],
        title=f"{primary}: normal images vs anomalies",
    )
    plots.roc(files["roc"], fpr, tpr, summary["auroc"], score=primary)
    return summary


def _files(json_path):
    json_path = Path(json_path)
    stem = json_path.with_suffix("")
    names = {
        "per_image": ".per_image.csv",
        "samples": ".samples.png",
        "reconstructions": ".reconstructions.png",
        "denoising": ".denoising.png",
        "scores": ".scores.png",
        "roc": ".roc.png",
    }
    return {key: Path(f"{stem}{suffix}") for key, suffix in names.items()}


def _write_comparison(path, originals, compared, n=16):
    """Rows of 8: originals, then each comparison (name -> images) in order, labelled."""
    rows, labels = [], []
    count = min(n, len(originals))
    count -= count % 8 if count > 8 else 0  # whole rows only, so each label meets its row
    for i in range(0, count, 8):
        rows += [originals[i : i + 8]] + [row[i : i + 8] for row in compared.values()]
        labels += ["original", *compared]
    columns = min(8, len(originals))
    figure = plots.image_table(np.concatenate(rows), columns, row_labels=labels)
    plots.save_figure(figure, path)


def _write_csv(path, subject, columns):
    header = ["index", "label", "is_anomaly", *columns]
    with atomic_path(path) as tmp, open(tmp, "w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(header)
        for i in range(len(subject.images)):
            label = "" if subject.labels is None else int(subject.labels[i])
            anomalous = "" if subject.is_anomaly is None else int(subject.is_anomaly[i])
            writer.writerow([i, label, anomalous, *(f"{columns[c][i]:.6g}" for c in columns)])
