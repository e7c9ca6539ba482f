"""Autoencoder losses: reconstruction per image and penalties on the code's activations."""

import tensorflow as tf

_EPSILON = 1e-6


def mean_squared_error(images, logits):
    """Mean over pixels of (x - sigmoid(logit))^2, one value per image."""
    reconstructions = tf.sigmoid(tf.cast(logits, tf.float32))
    return _mean_per_example(tf.square(tf.cast(images, tf.float32) - reconstructions))


def binary_cross_entropy(images, logits):
    """Mean over pixels of the sigmoid cross-entropy, one value per image (nats per pixel)."""
    ce = tf.nn.sigmoid_cross_entropy_with_logits(
        labels=tf.cast(images, tf.float32), logits=tf.cast(logits, tf.float32)
    )
    return _mean_per_example(ce)


RECONSTRUCTION_LOSSES = {"mse": mean_squared_error, "bce": binary_cross_entropy}


def l1_activity_penalty(code):
    """sum_j |h_j| per example: the L1 penalty on a code's activations (not on weights)."""
    return tf.reduce_sum(tf.abs(tf.cast(code, tf.float32)), axis=-1)


def kl_sparsity_penalty(code, target):
    """sum_j KL(rho || rho_hat_j) over code units, rho_hat_j the unit's mean activation over the
    batch (Ng, "Sparse autoencoder" lecture notes, 2011). Activations must lie in (0, 1)."""
    rho_hat = tf.clip_by_value(
        tf.reduce_mean(tf.cast(code, tf.float32), axis=0), _EPSILON, 1.0 - _EPSILON
    )
    rho = tf.constant(target, tf.float32)
    kl = rho * tf.math.log(rho / rho_hat) + (1.0 - rho) * tf.math.log((1.0 - rho) / (1.0 - rho_hat))
    return tf.reduce_sum(kl)


def _mean_per_example(values):
    return tf.reduce_mean(tf.reshape(values, [tf.shape(values)[0], -1]), axis=-1)
