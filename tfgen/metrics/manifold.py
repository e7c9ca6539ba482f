"""Precision and recall (Kynkaanniemi et al. 2019) and density and coverage (Naeem et al. 2020)
from k-nearest-neighbour balls in feature space.

Each real feature x_i gets a ball of radius r_i, the distance to its k-th nearest other real
feature. Precision: the fraction of generated features inside some real ball. Recall: the
fraction of real features inside some ball around the generated features (radii from the
generated set). Density: the mean number of real balls containing each generated feature,
over k. Coverage: the fraction of real balls that contain at least one generated feature.
"""

import numpy as np
from sklearn.neighbors import NearestNeighbors

_CHUNK = 1024  # rows of the distance matrix computed at once


def knn_radii(features, k=3):
    """Distance from each feature to its k-th nearest neighbour in the same set (not itself)."""
    neighbours = NearestNeighbors(n_neighbors=k + 1).fit(features)
    distances, _ = neighbours.kneighbors(features)
    return distances[:, k]


def ball_counts(centres, radii, queries):
    """For each query, how many balls (centres, radii) contain it; and for each ball whether
    some query falls in it. Chunked: memory stays O(chunk x len(centres))."""
    counts = np.zeros(len(queries), np.int64)
    covered = np.zeros(len(centres), bool)
    centres = np.asarray(centres, np.float32)
    squared_norms = (centres.astype(np.float64) ** 2).sum(axis=1)
    for start in range(0, len(queries), _CHUNK):
        block = np.asarray(queries[start : start + _CHUNK], np.float64)
        # |q - c|^2 = |q|^2 - 2 q.c + |c|^2, in float64 for exact ball tests
        squared = (
            (block**2).sum(axis=1)[:, None]
            - 2.0 * block @ centres.T.astype(np.float64)
            + squared_norms[None, :]
        )
        inside = squared <= radii[None, :] ** 2
        counts[start : start + _CHUNK] = inside.sum(axis=1)
        covered |= inside.any(axis=0)
    return counts, covered


def precision_recall_density_coverage(real, fake, k=3):
    """All four metrics for real and generated features (N, d), (M, d)."""
    real, fake = np.asarray(real, np.float64), np.asarray(fake, np.float64)
    real_radii, fake_radii = knn_radii(real, k), knn_radii(fake, k)
    counts_in_real, real_covered = ball_counts(real, real_radii, fake)
    counts_in_fake, _ = ball_counts(fake, fake_radii, real)
    return {
        "precision": float(np.mean(counts_in_real > 0)),
        "recall": float(np.mean(counts_in_fake > 0)),
        "density": float(counts_in_real.sum() / (k * len(fake))),
        "coverage": float(np.mean(real_covered)),
        "k": k,
    }
