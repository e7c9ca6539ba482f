"""Each loss against numbers computed by hand."""

import math

import numpy as np
import pytest
import tensorflow as tf

from tfgen.losses import (
    bce_discriminator_loss,
    bernoulli_nll,
    gaussian_kl,
    gaussian_nll,
    minimax_generator_loss,
    non_saturating_generator_loss,
)

discriminator_loss = bce_discriminator_loss

LN2 = math.log(2.0)


def test_discriminator_loss_hand_computed():
    # D(x) = sigmoid(0) = 1/2 on both: -log(1/2) - log(1 - 1/2) = 2 ln 2
    np.testing.assert_allclose(discriminator_loss(tf.zeros([1, 1]), tf.zeros([1, 1])), [2 * LN2])
    # real logit 2, fake logit -1: ln(1 + e^-2) + ln(1 + e^-1)
    expected = math.log1p(math.exp(-2)) + math.log1p(math.exp(-1))
    assert expected == pytest.approx(0.440190, abs=1e-6)
    np.testing.assert_allclose(
        discriminator_loss(tf.constant([[2.0]]), tf.constant([[-1.0]])), [expected], rtol=1e-6
    )


def test_generator_losses_hand_computed():
    np.testing.assert_allclose(non_saturating_generator_loss(tf.zeros([1, 1])), [LN2])
    np.testing.assert_allclose(minimax_generator_loss(tf.zeros([1, 1])), [-LN2])
    # -log sigmoid(3) = ln(1 + e^-3) = 0.048587
    np.testing.assert_allclose(
        non_saturating_generator_loss(tf.constant([[3.0]])), [0.048587], atol=1e-6
    )
    # log(1 - sigmoid(-3)) = -ln(1 + e^-3)
    np.testing.assert_allclose(
        minimax_generator_loss(tf.constant([[-3.0]])), [-0.048587], atol=1e-6
    )


def test_minimax_saturates_where_non_saturating_does_not():
    """Early in training D rejects fakes confidently (logit -10): the minimax gradient
    vanishes (sigmoid(-10) = 4.5e-5) while the non-saturating one stays near 1."""
    logit = tf.Variable([[-10.0]])
    grads = {}
    for name, fn in [("minimax", minimax_generator_loss), ("ns", non_saturating_generator_loss)]:
        with tf.GradientTape() as tape:
            loss = tf.reduce_sum(fn(logit))
        grads[name] = abs(float(tape.gradient(loss, logit)[0, 0]))
    assert grads["minimax"] == pytest.approx(1 / (1 + math.exp(10)), rel=1e-4)
    assert grads["ns"] == pytest.approx(1 / (1 + math.exp(-10)), rel=1e-4)


def test_losses_are_per_example_and_finite_for_extreme_logits():
    logits = tf.constant([[1e4], [-1e4]])
    for value in (discriminator_loss(logits, logits), non_saturating_generator_loss(logits)):
        assert value.shape == (2,)
        assert np.all(np.isfinite(value))


def test_gaussian_kl_hand_computed():
    np.testing.assert_allclose(gaussian_kl(tf.zeros([1, 3]), tf.zeros([1, 3])), [0.0])
    # mean (1, 2), variances (1, 4): -1/2 [(1 + 0 - 1 - 1) + (1 + ln 4 - 4 - 4)] = 3.306853
    kl = gaussian_kl(tf.constant([[1.0, 2.0]]), tf.constant([[0.0, math.log(4.0)]]))
    np.testing.assert_allclose(kl, [3.306853], atol=1e-6)


def test_bernoulli_nll_hand_computed():
    x = tf.constant([[[[1.0], [0.0]]]])  # one 1x2 image
    np.testing.assert_allclose(bernoulli_nll(x, tf.zeros_like(x)), [2 * LN2], rtol=1e-6)
    # grey 0.5 at logit 0 costs ln 2 per pixel; logit +5 on a 1 costs ln(1 + e^-5)
    np.testing.assert_allclose(bernoulli_nll(tf.fill([1, 3], 0.5), tf.zeros([1, 3])), [3 * LN2])
    np.testing.assert_allclose(
        bernoulli_nll(tf.ones([1, 1]), tf.fill([1, 1], 5.0)), [math.log1p(math.exp(-5))], rtol=1e-5
    )


def test_gaussian_nll_hand_computed():
    # x 0.5, mean 0.3, std 0.1: 0.5 * 2^2 + ln 0.1 + 0.5 ln 2 pi = 0.616354
    nll = gaussian_nll(tf.constant([[0.5]]), tf.constant([[0.3]]), std=0.1)
    np.testing.assert_allclose(nll, [0.616354], atol=1e-6)
