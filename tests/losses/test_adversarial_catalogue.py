"""The rest of the GAN loss catalogue, label smoothing/noise targets and the gradient
penalties, against numbers computed by hand."""

import math

import numpy as np
import pytest
import tensorflow as tf

from tfgen.losses import (
    ADVERSARIAL_LOSSES,
    bce_discriminator_loss,
    gradient_penalty,
    hinge_discriminator_loss,
    hinge_generator_loss,
    least_squares_discriminator_loss,
    least_squares_generator_loss,
    r1_penalty,
    wasserstein_discriminator_loss,
    wasserstein_generator_loss,
)

SEED = tf.constant([7, 8], tf.int64)


def column(*values):
    return tf.constant([[v] for v in values], tf.float32)


def test_wasserstein_hinge_least_squares_hand_computed():
    np.testing.assert_allclose(wasserstein_discriminator_loss(column(2.0), column(-1.0)), [-3.0])
    np.testing.assert_allclose(wasserstein_generator_loss(column(-1.0)), [1.0])
    # relu(1 - 0.5) + relu(1 - 0.2) = 1.3; confident and right: 0
    np.testing.assert_allclose(
        hinge_discriminator_loss(column(0.5, 2.0), column(-0.2, -3.0)), [1.3, 0.0], rtol=1e-6
    )
    np.testing.assert_allclose(hinge_generator_loss(column(0.7)), [-0.7])
    # (0.5 - 1)^2 / 2 + 0.5^2 / 2 = 0.25
    np.testing.assert_allclose(least_squares_discriminator_loss(column(0.5), column(0.5)), [0.25])
    np.testing.assert_allclose(least_squares_generator_loss(column(0.0)), [0.5])


def test_one_sided_smoothing_and_flipped_targets():
    # real logit 2 with target 0.9: 0.9 ln(1 + e^-2) + 0.1 ln(1 + e^2); fake logit 0: ln 2
    expected = 0.9 * math.log1p(math.exp(-2)) + 0.1 * math.log1p(math.exp(2)) + math.log(2)
    np.testing.assert_allclose(
        bce_discriminator_loss(column(2.0), column(0.0), real_target=0.9), [expected], rtol=1e-6
    )
    # per-example targets: the second pair's labels flipped
    losses = bce_discriminator_loss(
        column(3.0, 3.0),
        column(-3.0, -3.0),
        real_target=tf.constant([1.0, 0.0]),
        fake_target=tf.constant([0.0, 1.0]),
    )
    np.testing.assert_allclose(
        losses, [2 * math.log1p(math.exp(-3)), 2 * math.log1p(math.exp(3))], rtol=1e-6
    )


def test_catalogue_entries():
    assert set(ADVERSARIAL_LOSSES) == {
        "non_saturating",
        "minimax",
        "wasserstein",
        "hinge",
        "least_squares",
    }
    assert [n for n, g in ADVERSARIAL_LOSSES.items() if g.cross_entropy] == [
        "non_saturating",
        "minimax",
    ]


def linear_critic(weights):
    w = tf.reshape(tf.constant(weights, tf.float32), [1, 2, 2, 1])
    return lambda x: tf.reduce_sum(x * w, axis=[1, 2, 3])


def test_penalties_of_a_linear_critic_hand_computed():
    real, fake = tf.random.uniform([3, 2, 2, 1], seed=1), tf.random.uniform([3, 2, 2, 1], seed=2)
    small = linear_critic([0.3, 0.4, 0.0, 0.0])  # gradient norm 0.5 everywhere
    large = linear_critic([1.2, 1.6, 0.0, 0.0])  # gradient norm 2
    np.testing.assert_allclose(gradient_penalty(small, real, fake, SEED), [0.25] * 3, rtol=1e-5)
    np.testing.assert_allclose(
        gradient_penalty(small, real, fake, SEED, one_sided=True), [0.0] * 3, atol=1e-6
    )
    np.testing.assert_allclose(
        gradient_penalty(large, real, fake, SEED, one_sided=True), [1.0] * 3, rtol=1e-5
    )
    np.testing.assert_allclose(r1_penalty(small, real), [0.25] * 3, rtol=1e-5)
    np.testing.assert_allclose(r1_penalty(large, real), [4.0] * 3, rtol=1e-5)


def test_gradient_penalty_interpolates_with_uniform_alpha_in_float32():
    """D(x) = |x|^2 / 2 has gradient x; between 1s (norm 2) and 0s the interpolate's norm is
    2 alpha, so E[(2 alpha - 1)^2] = 1/3 for alpha ~ U(0, 1)."""

    def quadratic(x):
        return 0.5 * tf.reduce_sum(tf.square(x), axis=[1, 2, 3])

    real = tf.ones([20000, 2, 2, 1], tf.float16)  # mixed precision inputs
    penalty = gradient_penalty(quadratic, real, tf.zeros_like(real), SEED)
    assert penalty.dtype == tf.float32
    assert float(tf.reduce_mean(penalty)) == pytest.approx(1 / 3, abs=0.01)
