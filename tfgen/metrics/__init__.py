"""Quality metrics: reconstruction, likelihood bounds, anomaly detection, sample statistics."""

from tfgen.metrics.anomaly import (
    auroc,
    detection_rates,
    error_map_peak,
    quantile_threshold,
    roc_curve,
)
from tfgen.metrics.frechet import frechet_distance, gaussian_statistics
from tfgen.metrics.likelihood import elbo, iwae_bound
from tfgen.metrics.reconstruction import per_image_bce, per_image_mse, psnr

__all__ = [
    "auroc",
    "detection_rates",
    "elbo",
    "error_map_peak",
    "frechet_distance",
    "gaussian_statistics",
    "iwae_bound",
    "per_image_bce",
    "per_image_mse",
    "psnr",
    "quantile_threshold",
    "roc_curve",
]
