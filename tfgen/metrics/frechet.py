"""The Frechet distance between Gaussians fitted to two feature sets (Heusel et al. 2017, "FID").

    d^2 = ||mu1 - mu2||^2 + Tr(S1 + S2 - 2 (S1 S2)^(1/2))

Statistics are float64. Tr((S1 S2)^(1/2)) is computed by a symmetric eigen-decomposition:
with R = S1^(1/2), S1 S2 is similar to the symmetric PSD matrix R S2 R, so the trace is the
sum of the square roots of its (clipped non-negative) eigenvalues. That stays real and
finite for singular covariances (fewer samples than feature dimensions), where scipy's
`sqrtm` of the non-symmetric S1 S2 can return complex values; `sqrtm`'s result is computed
beside it as a check, and its imaginary residue and disagreement are reported.
"""

import warnings

import numpy as np
import scipy.linalg


def gaussian_statistics(features):
    """Mean and covariance (float64) of features (N, D)."""
    features = np.asarray(features, np.float64)
    if features.ndim != 2 or len(features) < 2:
        raise ValueError(f"features must be (N >= 2, D). Received: shape={features.shape}")
    return features.mean(axis=0), np.cov(features, rowvar=False)


def frechet(mu1, sigma1, mu2, sigma2):
    """The Frechet distance and its numerical checks.

    Returns:
        {"distance": d^2, "sqrtm_imaginary_residue": max |Im| of scipy's sqrtm(S1 S2),
         "sqrtm_disagreement": |Tr sqrtm - Tr eigen| relative to the trace}.
    """
    mu1, mu2 = np.atleast_1d(mu1).astype(np.float64), np.atleast_1d(mu2).astype(np.float64)
    sigma1 = np.atleast_2d(sigma1).astype(np.float64)
    sigma2 = np.atleast_2d(sigma2).astype(np.float64)
    if mu1.shape != mu2.shape or sigma1.shape != sigma2.shape:
        raise ValueError(f"statistics differ in shape: {mu1.shape} vs {mu2.shape}")
    trace_sqrt = _trace_sqrt_product(sigma1, sigma2)
    # only a check: a singular product (fewer samples than features) is expected and reported
    # through the residue, not as a scipy warning
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", scipy.linalg.LinAlgWarning)
        checked = scipy.linalg.sqrtm(sigma1 @ sigma2)
    residue = float(np.max(np.abs(np.imag(checked)))) if np.iscomplexobj(checked) else 0.0
    sqrtm_trace = float(np.real(np.trace(checked)))
    diff = mu1 - mu2
    distance = float(diff @ diff + np.trace(sigma1) + np.trace(sigma2) - 2.0 * trace_sqrt)
    return {
        "distance": max(distance, 0.0),
        "sqrtm_imaginary_residue": residue,
        "sqrtm_disagreement": abs(sqrtm_trace - trace_sqrt) / max(abs(trace_sqrt), 1e-12),
    }


def frechet_distance(mu1, sigma1, mu2, sigma2):
    """d^2 between N(mu1, S1) and N(mu2, S2) (see `frechet` for the checks)."""
    return frechet(mu1, sigma1, mu2, sigma2)["distance"]


def _trace_sqrt_product(sigma1, sigma2):
    """Tr((S1 S2)^(1/2)) for symmetric PSD S1, S2, via eigenvalues of S1^(1/2) S2 S1^(1/2)."""
    values, vectors = np.linalg.eigh(sigma1)
    root = (vectors * np.sqrt(np.clip(values, 0.0, None))) @ vectors.T
    product = root @ sigma2 @ root
    eigenvalues = np.linalg.eigvalsh((product + product.T) / 2.0)
    return float(np.sum(np.sqrt(np.clip(eigenvalues, 0.0, None))))
