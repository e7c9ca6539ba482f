"""Conformance of the sample metrics: closed-form cases, and agreement with plain NumPy/SciPy
reference implementations (written here the obvious way) to 1e-6 relative."""

import numpy as np
import pytest
import scipy.linalg
from scipy.special import softmax

from tfgen.metrics import (
    classifier_score,
    frechet,
    frechet_distance,
    gaussian_statistics,
    kernel_distance,
    mmd2_unbiased,
    precision_recall_density_coverage,
)

RNG = np.random.default_rng(0)


# ---- references ------------------------------------------------------------------------------


def reference_fid(x, y):
    """The pytorch-fid formula: scipy's sqrtm of S1 S2, real part of its trace."""
    mu1, mu2 = x.mean(0), y.mean(0)
    s1, s2 = np.cov(x, rowvar=False), np.cov(y, rowvar=False)
    covmean = np.real(scipy.linalg.sqrtm(s1 @ s2))
    return float(((mu1 - mu2) ** 2).sum() + np.trace(s1 + s2 - 2 * covmean))


def reference_mmd2(x, y):
    def k(a, b):
        return (a @ b / len(a) + 1.0) ** 3

    m = len(x)
    xx = sum(k(x[i], x[j]) for i in range(m) for j in range(m) if i != j) / (m * (m - 1))
    yy = sum(k(y[i], y[j]) for i in range(m) for j in range(m) if i != j) / (m * (m - 1))
    xy = sum(k(x[i], y[j]) for i in range(m) for j in range(m)) / (m * m)
    return xx + yy - 2 * xy


def reference_manifold(real, fake, k=3):
    def radii(a):
        d = np.sqrt(((a[:, None] - a[None]) ** 2).sum(-1))
        return np.sort(d, axis=1)[:, k]  # column 0 is the point itself

    d_fr = np.sqrt(((fake[:, None] - real[None]) ** 2).sum(-1))  # (fake, real)
    r_real, r_fake = radii(real), radii(fake)
    inside = d_fr <= r_real[None, :]
    return {
        "precision": np.mean(inside.any(axis=1)),
        "recall": np.mean((r_fake[None, :] >= d_fr.T).any(axis=1)),
        "density": inside.sum() / (k * len(fake)),
        "coverage": np.mean(inside.any(axis=0)),
    }


def reference_inception_score(logits, splits):
    p = softmax(logits, axis=1)
    scores = []
    for part in np.array_split(p, splits):
        py = part.mean(0)
        scores.append(np.exp(np.mean([np.sum(q * (np.log(q) - np.log(py))) for q in part])))
    return np.mean(scores)


# ---- FID --------------------------------------------------------------------------------------


def test_fid_of_two_gaussians_in_closed_form():
    # N(0, I) vs N((1, 2, 2), 4 I): |mu|^2 + tr I + tr 4I - 2 tr(2 I) = 9 + 3 + 12 - 12
    assert frechet_distance(np.zeros(3), np.eye(3), np.array([1, 2, 2]), 4 * np.eye(3)) == (
        pytest.approx(12.0)
    )
    # diagonal covariances: sum of (sigma1 - sigma2)^2 over the axes
    s1, s2 = np.diag([1.0, 4.0, 9.0]), np.diag([4.0, 4.0, 1.0])
    assert frechet_distance(np.zeros(3), s1, np.zeros(3), s2) == pytest.approx(1 + 0 + 4)
    assert frechet_distance(np.ones(3), s1, np.ones(3), s1) == pytest.approx(0.0, abs=1e-9)


def test_fid_agrees_with_the_scipy_reference():
    x = RNG.normal(size=(500, 8))
    y = RNG.normal(size=(400, 8)) @ RNG.normal(size=(8, 8)) + 0.5  # correlated, non-commuting
    ours = frechet_distance(*gaussian_statistics(x), *gaussian_statistics(y))
    assert ours == pytest.approx(reference_fid(x, y), rel=1e-6)


def test_fid_stays_real_for_singular_covariances_and_reports_the_check():
    x, y = RNG.normal(size=(20, 64)), RNG.normal(size=(20, 64)) + 0.1  # N < D: rank-deficient
    result = frechet(*gaussian_statistics(x), *gaussian_statistics(y))
    assert np.isfinite(result["distance"]) and result["distance"] >= 0.0
    assert set(result) == {"distance", "sqrtm_imaginary_residue", "sqrtm_disagreement"}
    well_posed = frechet(
        *gaussian_statistics(RNG.normal(size=(500, 4))),
        *gaussian_statistics(RNG.normal(size=(500, 4))),
    )
    assert well_posed["sqrtm_disagreement"] < 1e-8


# ---- KID --------------------------------------------------------------------------------------


def test_mmd2_agrees_with_the_reference():
    x, y = RNG.normal(size=(30, 5)), RNG.normal(size=(30, 5)) + 0.3
    assert mmd2_unbiased(x, y) == pytest.approx(reference_mmd2(x, y), rel=1e-6)


def test_kid_is_zero_for_identically_distributed_sets_and_positive_for_different_ones():
    """Two independent samples of one distribution: the unbiased estimate sits at 0 within
    its spread. (Subsets drawn from one and the same set share points, which the unbiased
    estimator assumes they do not; the real floor therefore uses disjoint halves.)"""
    x, y = RNG.normal(size=(2000, 16)), RNG.normal(size=(2000, 16))
    same = kernel_distance(x, y, subsets=50, subset_size=200)
    assert abs(same["mean"]) < same["std"]
    shifted = kernel_distance(x, y + 1.0, subsets=50, subset_size=200)
    assert shifted["mean"] > 10 * shifted["std"] and shifted["subset_size"] == 200


# ---- classifier score ---------------------------------------------------------------------------


def test_classifier_score_bounds_and_reference():
    confident = np.eye(10)[np.arange(1000) % 10] * 50.0  # every class, each confidently
    assert classifier_score(confident)["mean"] == pytest.approx(10.0, rel=1e-6)
    one_class = np.tile(np.eye(10)[3] * 50.0, (1000, 1))
    assert classifier_score(one_class)["mean"] == pytest.approx(1.0, rel=1e-6)
    logits = RNG.normal(size=(500, 10)) * 3
    assert classifier_score(logits, splits=5)["mean"] == pytest.approx(
        reference_inception_score(logits, 5), rel=1e-6
    )


# ---- precision / recall / density / coverage ---------------------------------------------------


def test_manifold_metrics_on_identical_and_disjoint_sets():
    x = RNG.normal(size=(300, 4))
    same = precision_recall_density_coverage(x, x)
    assert (same["precision"], same["recall"], same["coverage"]) == (1.0, 1.0, 1.0)
    far = precision_recall_density_coverage(x, x + 100.0)
    assert (far["precision"], far["recall"], far["density"], far["coverage"]) == (0, 0, 0, 0)


def test_manifold_metrics_agree_with_the_reference():
    real, fake = RNG.normal(size=(250, 6)), RNG.normal(size=(200, 6)) * 1.3 + 0.2
    ours = precision_recall_density_coverage(real, fake)
    for name, value in reference_manifold(real, fake).items():
        assert ours[name] == pytest.approx(value, rel=1e-6), name
