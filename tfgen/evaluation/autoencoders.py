"""Report sections for the autoencoder family: reconstruction, denoising, likelihood, anomaly."""

import numpy as np
import tensorflow as tf

from tfgen.metrics import (
    auroc,
    detection_rates,
    elbo,
    error_map_peak,
    iwae_bound,
    per_image_bce,
    per_image_mse,
    psnr,
    quantile_threshold,
    roc_curve,
)
from tfgen.models.autoencoder import corrupt


def reconstruction(model, images):
    """(summary, per-image columns) of MSE, BCE and PSNR of the reconstructions."""
    reconstructions = model.reconstruct(images)
    mse = per_image_mse(images, reconstructions)
    columns = {"mse": mse, "bce": per_image_bce(images, reconstructions), "psnr_db": psnr(mse)}
    summary = {name: float(np.mean(values)) for name, values in columns.items()}
    summary["psnr_db_median"] = float(np.median(columns["psnr_db"]))
    return summary, columns, reconstructions


def denoising(model, images, noise, level, seed):
    """PSNR of the corrupted input and of its reconstruction, both against the clean image."""
    noisy = corrupt(tf.constant(images), noise, level, tf.constant([seed, 1], tf.int64)).numpy()
    denoised = model.reconstruct(noisy)
    noisy_psnr = psnr(per_image_mse(images, noisy))
    denoised_psnr = psnr(per_image_mse(images, denoised))
    summary = {
        "noise": noise,
        "level": level,
        "noisy_psnr_db": float(noisy_psnr.mean()),
        "denoised_psnr_db": float(denoised_psnr.mean()),
        "gain_db": float(denoised_psnr.mean() - noisy_psnr.mean()),
    }
    columns = {"noisy_psnr_db": noisy_psnr, "denoised_psnr_db": denoised_psnr}
    return summary, columns, noisy, denoised


def likelihood(vae, images, iwae_samples, seed, progress=None):
    """ELBO and the IWAE bound per image, in nats, on the data the model assumes, with the
    standard error of each mean over the images (how far another draw of as many images could
    move it; the bound's own gap to log p(x) shrinks with K instead)."""
    data = vae.evaluation_inputs(images)
    elbos = elbo(vae, data, seed=seed)
    bounds = iwae_bound(vae, data, iwae_samples, seed=seed, progress=progress)
    summary = {
        "data": "binarised (one fixed Bernoulli draw)" if vae.binarize else "as given (continuous)",
        "likelihood": vae.likelihood,
        "elbo_nats": float(elbos.mean()),
        "negative_elbo_nats": float(-elbos.mean()),
        "elbo_standard_error_nats": standard_error(elbos),
        "iwae_samples": iwae_samples,
        "iwae_bound_nats": float(bounds.mean()),
        "nll_nats": float(-bounds.mean()),
        "nll_standard_error_nats": standard_error(bounds),
        "images": int(len(bounds)),
    }
    return summary, {"elbo_nats": elbos, "iwae_bound_nats": bounds}


def standard_error(values):
    """The standard error of the mean of `values`: sample std (ddof 1) over sqrt(n); 0 for one."""
    values = np.asarray(values, np.float64)
    return float(values.std(ddof=1) / np.sqrt(len(values))) if len(values) > 1 else 0.0


def anomaly_scores(images, reconstructions, window, likelihood_columns=None):
    """Every anomaly score that fits the model, per image (higher = more anomalous)."""
    scores = {
        "error_map_peak": error_map_peak(images, reconstructions, window),
        "reconstruction_mse": per_image_mse(images, reconstructions),
    }
    if likelihood_columns is not None:
        scores["negative_elbo"] = -likelihood_columns["elbo_nats"]
        scores["negative_iwae"] = -likelihood_columns["iwae_bound_nats"]
    return scores


def anomaly(scores, is_anomaly, primary, quantile, seed):
    """AUROC of every score over every image, and for the `primary` score the rates at a
    threshold calibrated on normal images.

    The normal images are split in two by a seeded permutation: the threshold is the
    `quantile` of the first half's scores (a validation quantile), and the rates are measured
    on the second half plus every anomaly, which the threshold never saw.
    """
    score = scores[primary]
    normal = np.flatnonzero(~is_anomaly)
    order = np.random.default_rng(seed).permutation(normal)
    calibration, held_back = order[: len(order) // 2], order[len(order) // 2 :]
    threshold = quantile_threshold(score[calibration], quantile)
    test = np.concatenate([held_back, np.flatnonzero(is_anomaly)])
    summary = {
        "score": primary,
        "normal_images": int(len(normal)),
        "anomalies": int(is_anomaly.sum()),
        "auroc": auroc(score, is_anomaly),
        "auroc_by_score": {name: auroc(values, is_anomaly) for name, values in scores.items()},
        "threshold": threshold,
        "threshold_quantile": quantile,
        "calibration_images": int(len(calibration)),
        **{
            f"at_threshold_{k}": v
            for k, v in detection_rates(score[test], is_anomaly[test], threshold).items()
        },
    }
    return summary, roc_curve(score, is_anomaly)
