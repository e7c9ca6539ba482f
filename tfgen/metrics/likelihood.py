"""Log-likelihood bounds of a VAE, in nats per image.

ELBO = E_q[log p(x|z)] - KL(q(z|x) || p(z)) (Kingma and Welling 2014), with the KL in closed
form and one sample for the expectation. The importance-weighted bound (Burda et al. 2016,
"Importance Weighted Autoencoders") is

    L_K = E[log (1/K) sum_k p(x, z_k) / q(z_k | x)],   z_k ~ q(z | x),

which equals the ELBO in expectation at K = 1, never decreases with K, and tends to log p(x);
-L_5000 is the literature's NLL estimate.
"""

import math

import numpy as np
import tensorflow as tf

_LOG_2PI = math.log(2.0 * math.pi)


def elbo(vae, images, seed=0, batch_size=500):
    """Per-image ELBO (nats) of images already in the model's data space (see
    `VAE.evaluation_inputs`): one z sample per image, closed-form KL."""
    key = tf.constant([seed, 0], tf.int64)

    @tf.function(reduce_retracing=True)
    def one_batch(x, key):
        reconstruction, kl = vae.loss_terms(x, key)
        return -(reconstruction + kl)

    return _batched(
        lambda x, i: one_batch(x, tf.random.experimental.stateless_fold_in(key, i)),
        images,
        batch_size,
    )


def iwae_bound(vae, images, k, seed=0, batch_size=100, chunk=100, progress=None):
    """Per-image importance-weighted bound L_K (nats), K = `k` samples per image.

    Samples are processed `chunk` at a time and combined with a running log-sum-exp, so memory
    stays bounded for K = 5000: a call decodes batch_size x chunk = 10,000 images (50,000, with
    chunks of 500, ran out of memory for the README's convolutional MNIST VAE at K = 5000).
    `progress` (a keras Progbar counting images) is advanced after every chunk by the fraction
    of a batch it covered, so its ETA moves even at K = 5000.
    """
    if not isinstance(k, int) or k < 1:
        raise ValueError(f"k must be a positive integer. Received: k={k!r}")
    log_weights = tf.function(_log_weights, reduce_retracing=True)

    def one_batch(x, index):
        posterior = vae.encoder(x, training=False)
        total = None
        for start in range(0, k, chunk):
            key = tf.constant([seed, index * 1_000_003 + start], tf.int64)
            lw = log_weights(
                vae, x, posterior["z_mean"], posterior["z_log_var"], min(chunk, k - start), key
            )
            chunk_total = tf.reduce_logsumexp(lw, axis=0)
            total = (
                chunk_total
                if total is None
                else tf.experimental.numpy.logaddexp(total, chunk_total)
            )
            if progress is not None:
                progress.add(int(x.shape[0]) * min(chunk, k - start) / k)
        return total - math.log(k)

    return _batched(one_batch, images, batch_size)


def _log_weights(vae, x, z_mean, z_log_var, n, key):
    """log p(x, z_i) - log q(z_i | x) for n samples z_i per image: shape (n, B)."""
    batch, latent = tf.shape(z_mean)[0], tf.shape(z_mean)[1]
    eps = tf.random.stateless_normal(tf.stack([n, batch, latent]), seed=key)
    z = z_mean + tf.exp(0.5 * z_log_var) * eps  # (n, B, D)
    logits = vae.decoder(tf.reshape(z, [-1, latent]), training=False)
    repeated = tf.tile(x, tf.concat([[n], tf.ones(tf.rank(x) - 1, tf.int32)], axis=0))
    log_px_z = tf.reshape(-vae.reconstruction_nll(repeated, logits), [n, batch])
    log_pz = -0.5 * tf.reduce_sum(tf.square(z) + _LOG_2PI, axis=-1)
    log_qz = -0.5 * tf.reduce_sum(tf.square(eps) + _LOG_2PI + z_log_var, axis=-1)
    return log_px_z + log_pz - log_qz


def _batched(fn, images, batch_size):
    images = np.asarray(images, np.float32)
    parts = [
        np.asarray(fn(tf.constant(images[i : i + batch_size]), i // batch_size))
        for i in range(0, len(images), batch_size)
    ]
    return np.concatenate(parts).astype(np.float64)
