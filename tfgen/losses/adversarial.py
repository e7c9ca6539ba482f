"""GAN losses on discriminator logits, one value per example (reduce with the global batch).

Reference: Goodfellow et al. 2014, "Generative Adversarial Nets". D maximises
V(D, G) = E[log D(x)] + E[log(1 - D(G(z)))], with D(x) = sigmoid(logit).
Using softplus keeps every term finite for large logits:
  -log sigmoid(l) = softplus(-l),   -log(1 - sigmoid(l)) = softplus(l).
"""

import tensorflow as tf


def discriminator_loss(real_logits, fake_logits):
    """Binary cross-entropy of D: -log D(x) - log(1 - D(G(z))), per example pair.

    The same for the minimax and the non-saturating game: only G's loss differs.
    """
    return _per_example(tf.nn.softplus(-real_logits) + tf.nn.softplus(fake_logits))


def minimax_generator_loss(fake_logits):
    """G minimises log(1 - D(G(z))) (Goodfellow et al. 2014, eq. 1); saturates early on."""
    return _per_example(-tf.nn.softplus(fake_logits))


def non_saturating_generator_loss(fake_logits):
    """G maximises log D(G(z)), i.e. minimises -log D(G(z)) (Goodfellow et al. 2014, sec. 3)."""
    return _per_example(tf.nn.softplus(-fake_logits))


GENERATOR_LOSSES = {
    "non_saturating": non_saturating_generator_loss,
    "minimax": minimax_generator_loss,
}


def _per_example(values):
    """Averages everything but the batch axis: (B, ...) -> (B,)."""
    values = tf.cast(values, tf.float32)
    return tf.reduce_mean(tf.reshape(values, [tf.shape(values)[0], -1]), axis=-1)
