"""What the model families share: decoding latents to images, sampling, encoding, and the
(de)serialisation of sub-models."""

import copy

import keras
import numpy as np
import tensorflow as tf

from tfgen.errors import InputError
from tfgen.ops.sampling import latents_from_seeds, seed_range

_CHUNK = 256  # images per forward pass when processing many


def in_chunks(fn, *arrays, chunk=_CHUNK):
    """Applies a tensor function to NumPy arrays (sliced alike) chunk by chunk; returns NumPy.

    Floats are passed as float32 and integers as int32.
    """
    arrays = [
        np.asarray(a, np.int32 if np.issubdtype(np.asarray(a).dtype, np.integer) else np.float32)
        for a in arrays
    ]
    return np.concatenate(
        [
            np.asarray(fn(*[tf.constant(a[i : i + chunk]) for a in arrays]))
            for i in range(0, len(arrays[0]), chunk)
        ]
    )


class LatentImageModelMixin:
    """For models with a latent prior: `latent_dim` and `images_from_latents(z)` in [0, 1]."""

    def generate(self, z):
        """Images in [0, 1], (N, H, W, C) NumPy, for latent vectors z (N, latent_dim)."""
        z = np.asarray(z, np.float32)
        if z.ndim != 2 or z.shape[1] != self.latent_dim:
            raise InputError(f"z must have shape (N, {self.latent_dim}). Received: shape={z.shape}")
        return in_chunks(self.images_from_latents, z)

    truncation_method = "scale"  # how `sample` truncates below psi = 1 (models may override)

    def sample(self, n, seed=0, truncation=1.0, method=None):
        """`n` images in [0, 1] for the seeds seed, seed + 1, ..., seed + n - 1.

        Args:
            n: number of images.
            seed: the first image's seed; image i is the same as the exported `sample`
                signature returns for seed + i.
            truncation: psi in (0, 1]; 1 samples the prior, smaller values trade diversity for
                typicality (see `tfgen.ops.sampling.latents_from_seeds`).
            method: "scale" or "resample"; None uses the model's `truncation_method` (the one
                its exported `sample` signature uses).
        """
        return self.generate(self.sample_latents(n, seed, truncation, method))

    def sample_latents(self, n, seed=0, truncation=1.0, method=None):
        if not isinstance(n, int | np.integer) or n < 1:
            raise InputError(f"n must be a positive integer. Received: n={n!r}")
        if not 0.0 < truncation <= 1.0:
            raise InputError(f"truncation must be in (0, 1]. Received: truncation={truncation!r}")
        seeds = seed_range(seed, n)
        psi = np.full(n, truncation, np.float32)
        method = method or self.truncation_method
        return latents_from_seeds(seeds, psi, self.latent_dim, method).numpy()


class AutoencoderMixin:
    """For models with `encoder` (images -> {heads}) and `decoder` (latent -> pixel logits).

    `code_head` names the encoder output used as the deterministic code: "code" for
    autoencoders, "z_mean" (the posterior mean) for VAEs.
    """

    code_head = "code"

    def call(self, images, training=False):
        """Reconstructions in [0, 1] of the deterministic code."""
        code = self.encoder(images, training=training)[self.code_head]
        return self.images_from_latents(code, training=training)

    def images_from_latents(self, z, training=False):
        """Decoder means sigmoid(logits), in [0, 1]."""
        return tf.sigmoid(self.decoder(z, training=training))

    def encode_latent(self, images):
        """Deterministic codes (N, latent_dim) as NumPy for images in [0, 1]."""
        return in_chunks(lambda x: self.encoder(x, training=False)[self.code_head], images)

    def decode_latent(self, z):
        """Images in [0, 1] (NumPy) decoded from latent codes."""
        return in_chunks(self.images_from_latents, z)

    def reconstruct(self, images):
        """Reconstructions in [0, 1] (NumPy) of images in [0, 1]."""
        return in_chunks(lambda x: self(x, training=False), images)

    def preview_images(self, batch, n=32):
        """Originals and reconstructions in alternating rows of 8 (for TensorBoard)."""
        from tfgen.utils.images import image_grid

        originals = np.asarray(batch[:n], np.float32)
        reconstructions = self.reconstruct(originals)
        rows = []
        for i in range(0, len(originals), 8):
            rows += [originals[i : i + 8], reconstructions[i : i + 8]]
        return image_grid(np.concatenate(rows), columns=min(8, len(originals)))


def serialize_submodels(model, names):
    """get_config entries for sub-models, which Keras does not serialise on its own."""
    return {name: keras.saving.serialize_keras_object(getattr(model, name)) for name in names}


def deserialize_submodels(config, names):
    """The inverse of `serialize_submodels`, on a copy of `config` (Keras's deserialisation
    consumes the nested dicts it is given)."""
    config = copy.deepcopy(config)
    for name in names:
        config[name] = keras.saving.deserialize_keras_object(config[name])
    return config
