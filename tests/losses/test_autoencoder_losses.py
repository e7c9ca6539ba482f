"""Autoencoder losses and penalties against numbers computed by hand."""

import math

import numpy as np
import tensorflow as tf

from tfgen.losses import (
    binary_cross_entropy,
    kl_sparsity_penalty,
    l1_activity_penalty,
    mean_squared_error,
)


def test_reconstruction_losses_hand_computed():
    images = tf.constant([[[[0.0], [1.0]]]])  # one 1x2 image
    logits = tf.zeros_like(images)  # reconstruction 0.5 everywhere
    np.testing.assert_allclose(mean_squared_error(images, logits), [0.25])
    np.testing.assert_allclose(binary_cross_entropy(images, logits), [math.log(2.0)], rtol=1e-6)
    # logit ln 3 -> reconstruction 0.75 on a pixel of 1: squared error 1/16
    np.testing.assert_allclose(
        mean_squared_error(tf.ones([1, 1]), tf.fill([1, 1], math.log(3.0))), [0.0625], rtol=1e-6
    )


def test_l1_activity_penalty_sums_absolute_activations_per_example():
    code = tf.constant([[1.0, -2.0, 0.0], [0.5, 0.0, 0.0]])
    np.testing.assert_allclose(l1_activity_penalty(code), [3.0, 0.5])


def test_kl_sparsity_penalty_hand_computed():
    # unit 0 fires 0.5 on average, unit 1 exactly at the target 0.05
    code = tf.constant([[0.9, 0.05], [0.1, 0.05]])
    # KL(0.05 || 0.5) = 0.05 ln 0.1 + 0.95 ln 1.9 = 0.494632; KL(0.05 || 0.05) = 0
    np.testing.assert_allclose(kl_sparsity_penalty(code, 0.05), 0.494632, atol=1e-6)
    np.testing.assert_allclose(kl_sparsity_penalty(tf.fill([4, 3], 0.05), 0.05), 0.0, atol=1e-6)
