"""VAE loss terms in nats, one value per example (Kingma and Welling 2014, "Auto-Encoding
Variational Bayes"): loss = reconstruction NLL + beta * KL(q(z|x) || N(0, I)) (Higgins et al.
2017 for beta)."""

import math

import tensorflow as tf


def gaussian_kl(z_mean, z_log_var):
    """KL(N(mean, exp(log_var)) || N(0, I)) summed over latent dims:
    -1/2 * sum(1 + log_var - mean^2 - exp(log_var))."""
    z_mean = tf.cast(z_mean, tf.float32)
    z_log_var = tf.cast(z_log_var, tf.float32)
    return -0.5 * tf.reduce_sum(1.0 + z_log_var - tf.square(z_mean) - tf.exp(z_log_var), axis=-1)


def bernoulli_nll(x, logits):
    """-log p(x | z) for a Bernoulli decoder: sigmoid cross-entropy summed over pixels.

    x may be binary or grey levels in [0, 1] (the usual relaxation)."""
    x = tf.cast(x, tf.float32)
    ce = tf.nn.sigmoid_cross_entropy_with_logits(labels=x, logits=tf.cast(logits, tf.float32))
    return _sum_per_example(ce)


def gaussian_nll(x, mean, std):
    """-log N(x; mean, std^2) summed over pixels, with its normalising constant."""
    x = tf.cast(x, tf.float32)
    z = (x - tf.cast(mean, tf.float32)) / std
    return _sum_per_example(0.5 * tf.square(z) + math.log(std) + 0.5 * math.log(2.0 * math.pi))


def _sum_per_example(values):
    return tf.reduce_sum(tf.reshape(values, [tf.shape(values)[0], -1]), axis=-1)
