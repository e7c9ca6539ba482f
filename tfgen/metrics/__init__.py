"""Sample-quality metrics."""

from tfgen.metrics.frechet import frechet_distance, gaussian_statistics

__all__ = ["frechet_distance", "gaussian_statistics"]
