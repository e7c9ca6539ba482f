"""Reconstruction quality per image, for images in [0, 1]."""

import numpy as np

_EPSILON = 1e-7
_MIN_MSE = 1e-10  # PSNR of a perfect reconstruction is capped at 100 dB, not infinite


def per_image_mse(images, reconstructions):
    """Mean over pixels of the squared error, one value per image."""
    diff = np.asarray(images, np.float64) - np.asarray(reconstructions, np.float64)
    return (diff**2).reshape(len(diff), -1).mean(axis=1)


def per_image_bce(images, reconstructions):
    """Mean over pixels of -x log r - (1 - x) log(1 - r), in nats per pixel."""
    x = np.asarray(images, np.float64)
    r = np.clip(np.asarray(reconstructions, np.float64), _EPSILON, 1.0 - _EPSILON)
    bce = -(x * np.log(r) + (1.0 - x) * np.log(1.0 - r))
    return bce.reshape(len(bce), -1).mean(axis=1)


def psnr(mse, peak=1.0):
    """Peak signal-to-noise ratio in dB: 10 log10(peak^2 / MSE)."""
    return 10.0 * np.log10(peak**2 / np.maximum(np.asarray(mse, np.float64), _MIN_MSE))
