"""Input corruption for denoising autoencoders (Vincent et al. 2008): stateless, so each step
draws fresh noise from (seed, step) and a fixed seed gives a fixed corrupted test set."""

import tensorflow as tf

from tfgen.errors import InputError

NOISES = ("gaussian", "masking", "salt_and_pepper")


def corrupt(images, noise, level, seed):
    """Corrupts images in [0, 1].

    Args:
        noise: "gaussian" adds N(0, level^2) and clips to [0, 1]; "masking" sets each pixel to 0
            with probability `level`; "salt_and_pepper" sets each pixel with probability `level`
            to 0 or 1 (even odds).
        level: sigma, or the fraction of pixels hit.
        seed: int64[2] stateless seed.
    """
    shape = tf.shape(images)
    if noise == "gaussian":
        noisy = images + level * tf.random.stateless_normal(shape, seed, dtype=images.dtype)
        return tf.clip_by_value(noisy, 0.0, 1.0)
    hit = tf.random.stateless_uniform(shape, seed, dtype=images.dtype) < level
    if noise == "masking":
        return tf.where(hit, tf.zeros_like(images), images)
    if noise == "salt_and_pepper":
        salt_seed = tf.random.experimental.stateless_fold_in(seed, 1)
        salt = tf.random.stateless_uniform(shape, salt_seed, dtype=images.dtype) < 0.5
        return tf.where(hit, tf.cast(salt, images.dtype), images)
    raise InputError(f"noise must be one of {NOISES}. Received: noise={noise!r}")


def check_noise(noise, level):
    if noise not in NOISES:
        raise InputError(f"noise must be one of {NOISES}. Received: noise={noise!r}")
    upper = float("inf") if noise == "gaussian" else 1.0
    if not 0.0 < level < upper:
        kind = "sigma > 0" if noise == "gaussian" else "a fraction in (0, 1)"
        raise InputError(f"noise_level for {noise} noise must be {kind}. Received: {level!r}")
