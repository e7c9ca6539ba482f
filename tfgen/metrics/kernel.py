"""Kernel Inception Distance (Binkowski et al. 2018, "Demystifying MMD GANs").

KID is the unbiased estimate of the squared maximum mean discrepancy between two feature
sets under the cubic polynomial kernel k(x, y) = (x . y / d + 1)^3, averaged over random
subsets of equal size, with the standard deviation across subsets.
"""

import numpy as np


def polynomial_kernel(x, y):
    """(x . y / d + 1)^3 for every pair of rows: (len(x), len(y))."""
    d = x.shape[1]
    return (x @ y.T / d + 1.0) ** 3


def mmd2_unbiased(x, y):
    """The unbiased MMD^2 estimate between samples x (m, d) and y (m, d) of equal size:
    mean of k(x, x') and k(y, y') over distinct pairs, minus twice the mean of k(x, y)."""
    m = len(x)
    k_xx, k_yy, k_xy = polynomial_kernel(x, x), polynomial_kernel(y, y), polynomial_kernel(x, y)
    off_diagonal = m * (m - 1)
    return float(
        (k_xx.sum() - np.trace(k_xx)) / off_diagonal
        + (k_yy.sum() - np.trace(k_yy)) / off_diagonal
        - 2.0 * k_xy.mean()
    )


def kernel_distance(real, fake, subsets=100, subset_size=1000, seed=0):
    """KID: mean and standard deviation of `mmd2_unbiased` over `subsets` random subsets.

    Args:
        real, fake: feature sets (N, d); each subset draws min(subset_size, N) rows of each
            without replacement.

    Returns:
        {"mean", "std", "subsets", "subset_size"}.
    """
    real, fake = np.asarray(real, np.float64), np.asarray(fake, np.float64)
    size = min(subset_size, len(real), len(fake))
    if size < 2:
        raise ValueError(
            f"KID needs at least 2 samples per set. Received: {len(real)}, {len(fake)}"
        )
    rng = np.random.default_rng(seed)
    values = [
        mmd2_unbiased(
            real[rng.choice(len(real), size, replace=False)],
            fake[rng.choice(len(fake), size, replace=False)],
        )
        for _ in range(subsets)
    ]
    return {
        "mean": float(np.mean(values)),
        "std": float(np.std(values)),
        "subsets": subsets,
        "subset_size": size,
    }
