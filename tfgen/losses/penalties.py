"""Regularisers of the discriminator's gradient with respect to its input, per example, computed
in float32 whatever the model's precision.

- gradient_penalty (Gulrajani et al. 2017, "Improved Training of Wasserstein GANs"): on
  x_hat = alpha x + (1 - alpha) G(z), alpha ~ U(0, 1) per example, penalise
  (||grad D(x_hat)|| - 1)^2 (two-sided) or max(0, ||grad D(x_hat)|| - 1)^2 (one-sided, Petzka
  et al. 2018).
- r1_penalty (Mescheder et al. 2018, "Which Training Methods for GANs do actually Converge?"):
  ||grad D(x)||^2 on real data; the loss adds gamma / 2 times it.
"""

import tensorflow as tf


def gradient_penalty(critic, real, fake, seed, one_sided=False):
    """Per-example gradient penalty of `critic` (a callable) between real and fake images."""
    real, fake = tf.cast(real, tf.float32), tf.cast(fake, tf.float32)
    shape = tf.concat([tf.shape(real)[:1], tf.ones([tf.rank(real) - 1], tf.int32)], axis=0)
    alpha = tf.random.stateless_uniform(shape, seed)
    interpolates = alpha * real + (1.0 - alpha) * fake
    norm = _input_gradient_norm(critic, interpolates)
    excess = norm - 1.0
    return tf.square(tf.nn.relu(excess) if one_sided else excess)


def r1_penalty(critic, real):
    """Per-example ||grad_x D(x)||^2 on real images."""
    return tf.square(_input_gradient_norm(critic, tf.cast(real, tf.float32)))


def _input_gradient_norm(critic, images):
    with tf.GradientTape() as tape:
        tape.watch(images)
        total = tf.reduce_sum(tf.cast(critic(images), tf.float32))  # recorded, inside the tape
    gradients = tape.gradient(total, images)
    axes = tf.range(1, tf.rank(gradients))
    return tf.sqrt(tf.reduce_sum(tf.square(gradients), axis=axes) + 1e-12)
