"""Latent noise: stateless, so every draw is a pure function of a seed.

Training noise is derived from (seed, step, stream, replica): a resumed run draws the same noise
as an uninterrupted one, and each replica of a distributed run draws its own. Sampling noise is
derived from one integer seed per image, the same in Python and in the exported `sample`
signature, so an image is identified by its seed (as with StyleGAN's `--seeds`).
"""

import numpy as np
import tensorflow as tf

from tfgen.errors import InputError

TRUNCATION_THRESHOLD = 2.0  # tf.random.truncated_normal cuts at 2 standard deviations


def step_seed(seed, step, stream, replica=None):
    """An int64[2] seed for the noise of one training step, one stream, one replica (by
    default this one)."""
    key = tf.stack([tf.cast(seed, tf.int64), tf.cast(step, tf.int64)])
    key = tf.random.experimental.stateless_fold_in(key, stream)
    if replica is None:
        replica, _ = _replica()
    return tf.random.experimental.stateless_fold_in(key, tf.cast(replica, tf.int32))


def training_latents(batch_size, latent_dim, seed, step, stream):
    """Standard normal z of shape (batch_size, latent_dim) for one training step.

    Each replica takes its own slice of the noise of the global batch: replicas draw
    different z, and N replicas draw exactly the z one device draws for the same global batch.
    """
    replica, replicas = _replica()
    z = tf.random.stateless_normal(
        tf.stack([batch_size * replicas, latent_dim]), seed=step_seed(seed, step, stream, 0)
    )
    return z[replica * batch_size : (replica + 1) * batch_size]


def _replica():
    """(this replica's index, the number of replicas in sync); (0, 1) outside a strategy."""
    context = tf.distribute.get_replica_context()
    if context is None:  # cross-replica context
        return 0, 1
    return context.replica_id_in_sync_group, context.num_replicas_in_sync


TRUNCATION_METHODS = ("scale", "resample")


def latents_from_seeds(seeds, truncation, latent_dim, method="scale"):
    """One latent vector per (seed, psi) row: the prior at psi = 1, truncated below 1.

    The truncation trick trades diversity for typicality; psi -> 0 gives the mean latent z = 0
    (hence the "mean image") under both methods, and psi = 1 is the plain prior N(0, I).

    - "scale": each coordinate is drawn from N(0, 1) truncated to |z| < 2 and scaled by psi
      (scaling toward the mean, as in Karras et al. 2019).
    - "resample": each coordinate is drawn from N(0, 1) with every value beyond the threshold
      2 psi redrawn (Brock et al. 2019, "BigGAN"); drawn exactly by inverting the normal CDF
      on [Phi(-2 psi), Phi(2 psi)] rather than by a redraw loop.

    Args:
        seeds: int64[B], one seed per image.
        truncation: float32[B] in (0, 1].
        latent_dim: size of each z.
        method: "scale" or "resample".

    Returns:
        float32[B, latent_dim]; row i depends only on (seeds[i], truncation[i]), so a row is the
        same whether it is drawn alone or in a batch.
    """
    seeds = tf.cast(seeds, tf.int64)
    truncation = tf.cast(truncation, tf.float32)

    def one_row(row):
        seed, psi = row
        key = tf.stack([seed, tf.zeros([], tf.int64)])
        normal = tf.random.stateless_normal([latent_dim], seed=key)
        if method == "scale":
            truncated = psi * tf.random.stateless_truncated_normal([latent_dim], seed=key)
        else:
            edge = _normal_cdf(2.0 * psi)
            u = tf.random.stateless_uniform([latent_dim], seed=key, minval=0.0, maxval=1.0)
            truncated = tf.math.ndtri((1.0 - edge) + u * (2.0 * edge - 1.0))
        return tf.where(psi >= 1.0, normal, truncated)

    if method not in TRUNCATION_METHODS:
        raise InputError(
            f"truncation method must be one of {TRUNCATION_METHODS}. Received: {method!r}"
        )
    return tf.map_fn(one_row, (seeds, truncation), fn_output_signature=tf.float32)


def _normal_cdf(x):
    return 0.5 * (1.0 + tf.math.erf(x / tf.sqrt(2.0)))


def seed_range(seed, n):
    """The per-image seeds used by `sample(n, seed)`: seed, seed + 1, ..., seed + n - 1."""
    return np.arange(seed, seed + n, dtype=np.int64)
