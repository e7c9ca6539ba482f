"""Reconstruction and anomaly metrics against hand-computed values."""

import math

import numpy as np
import pytest

from tfgen.metrics import (
    auroc,
    detection_rates,
    per_image_bce,
    per_image_mse,
    psnr,
    quantile_threshold,
)


def test_reconstruction_metrics_hand_computed():
    x = np.array([[[0.0, 1.0]], [[0.5, 0.5]]])
    r = np.array([[[0.1, 0.9]], [[0.5, 0.5]]])
    np.testing.assert_allclose(per_image_mse(x, r), [0.01, 0.0])
    np.testing.assert_allclose(per_image_bce(x, r), [-math.log(0.9), math.log(2.0)], rtol=1e-9)
    np.testing.assert_allclose(psnr([0.01, 1e-4]), [20.0, 40.0])
    assert psnr([0.0])[0] == pytest.approx(100.0)  # capped, not infinite


def test_auroc_and_threshold_rates():
    scores = np.array([0.1, 0.2, 0.3, 0.8, 0.9])
    is_anomaly = np.array([0, 0, 0, 1, 1], bool)
    assert auroc(scores, is_anomaly) == 1.0
    assert auroc(-scores, is_anomaly) == 0.0
    # one anomaly below one normal: 5 of 6 pairs ordered right
    assert auroc(np.array([0.1, 0.2, 0.85, 0.8, 0.9]), is_anomaly) == pytest.approx(5 / 6)
    assert quantile_threshold(np.arange(101.0), 0.95) == pytest.approx(95.0)
    rates = detection_rates(np.array([0.1, 0.6, 0.3, 0.8, 0.4]), is_anomaly, threshold=0.5)
    assert rates == {
        "true_positive_rate": 0.5,
        "false_positive_rate": 1 / 3,
        "precision": 0.5,
        "accuracy": 0.6,
    }


def test_error_map_peak_hand_computed():
    from tfgen.metrics import error_map_peak

    images = np.zeros((1, 9, 9, 1))
    reconstructions = images.copy()
    reconstructions[0, 3:6, 3:6, 0] = 1.0  # a 3x3 blob of squared error 1
    # the window covering the blob averages 9/9; a 5x5 window 9/25; the whole image 9/81
    assert error_map_peak(images, reconstructions, window=3)[0] == pytest.approx(1.0)
    assert error_map_peak(images, reconstructions, window=5)[0] == pytest.approx(9 / 25)
    assert per_image_mse(images, reconstructions)[0] == pytest.approx(9 / 81)
    # the same error spread thinly scores the same MSE but a lower peak
    spread = np.zeros((1, 9, 9, 1))
    spread[0, ::3, ::3, 0] = 1.0
    assert per_image_mse(images, spread)[0] == pytest.approx(9 / 81)
    assert error_map_peak(images, spread, window=3)[0] == pytest.approx(1 / 9)


def test_default_error_window_is_odd_and_scales_with_the_image():
    from tfgen.metrics import default_error_window, error_map_peak

    # round(0.4 x side), made odd
    assert [default_error_window((s, s)) for s in (8, 28, 64, 2)] == [3, 11, 25, 1]
    assert default_error_window((28, 64)) == 11  # the shorter side
    images = np.zeros((1, 8, 8, 1))
    reconstructions = images.copy()
    reconstructions[0, 2:5, 2:5, 0] = 1.0
    # no window given: the default 3 x 3 one covers the blob exactly
    assert error_map_peak(images, reconstructions)[0] == pytest.approx(1.0)
