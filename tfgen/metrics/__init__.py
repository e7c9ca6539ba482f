"""Quality metrics: reconstruction, likelihood bounds, anomaly detection, sample statistics."""

from tfgen.metrics.anomaly import (
    auroc,
    default_error_window,
    detection_rates,
    error_map_peak,
    quantile_threshold,
    roc_curve,
)
from tfgen.metrics.classifier_score import classifier_score
from tfgen.metrics.frechet import frechet, frechet_distance, gaussian_statistics
from tfgen.metrics.kernel import kernel_distance, mmd2_unbiased
from tfgen.metrics.likelihood import elbo, iwae_bound
from tfgen.metrics.manifold import precision_recall_density_coverage
from tfgen.metrics.reconstruction import per_image_bce, per_image_mse, psnr

__all__ = [
    "auroc",
    "classifier_score",
    "detection_rates",
    "elbo",
    "default_error_window",
    "error_map_peak",
    "frechet",
    "frechet_distance",
    "gaussian_statistics",
    "iwae_bound",
    "kernel_distance",
    "mmd2_unbiased",
    "per_image_bce",
    "per_image_mse",
    "precision_recall_density_coverage",
    "psnr",
    "quantile_threshold",
    "roc_curve",
]
