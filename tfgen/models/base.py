"""What every model that maps a latent vector to images offers: `generate` and `sample`."""

import keras
import numpy as np
import tensorflow as tf

from tfgen.errors import InputError
from tfgen.sampling import latents_from_seeds, seed_range

_CHUNK = 256  # images per forward pass when sampling many


class LatentImageModelMixin:
    """For models with `latent_dim` and `images_from_latents(z) -> images in [0, 1]`."""

    def generate(self, z):
        """Images in [0, 1], (N, H, W, C) NumPy, for latent vectors z (N, latent_dim)."""
        z = np.asarray(z, np.float32)
        if z.ndim != 2 or z.shape[1] != self.latent_dim:
            raise InputError(f"z must have shape (N, {self.latent_dim}). Received: shape={z.shape}")
        chunks = [
            self.images_from_latents(tf.constant(z[i : i + _CHUNK]))
            for i in range(0, len(z), _CHUNK)
        ]
        return np.concatenate([c.numpy() for c in chunks])

    def sample(self, n, seed=0, truncation=1.0):
        """`n` images in [0, 1] for the seeds seed, seed + 1, ..., seed + n - 1.

        Args:
            n: number of images.
            seed: the first image's seed; image i is the same as the exported `sample`
                signature returns for seed + i.
            truncation: psi in (0, 1]; 1 samples the prior, smaller values trade diversity for
                typicality (see `tfgen.sampling.latents_from_seeds`).
        """
        return self.generate(self.sample_latents(n, seed, truncation))

    def sample_latents(self, n, seed=0, truncation=1.0):
        if not isinstance(n, int | np.integer) or n < 1:
            raise InputError(f"n must be a positive integer. Received: n={n!r}")
        if not 0.0 < truncation <= 1.0:
            raise InputError(f"truncation must be in (0, 1]. Received: truncation={truncation!r}")
        seeds = seed_range(seed, n)
        return latents_from_seeds(
            seeds, np.full(n, truncation, np.float32), self.latent_dim
        ).numpy()


def serialize_submodels(model, names):
    """get_config entries for sub-models, which Keras does not serialise on its own."""
    return {name: keras.saving.serialize_keras_object(getattr(model, name)) for name in names}


def deserialize_submodels(config, names):
    """The inverse of `serialize_submodels`, on a copy of `config`."""
    config = dict(config)
    for name in names:
        config[name] = keras.saving.deserialize_keras_object(config[name])
    return config
