"""The denoising autoencoder (Vincent et al. 2008): reconstruct clean images from corrupted
ones, with fresh corruption at every step."""

import keras

from tfgen.config import CorruptionOptions, DenoisingAutoencoderOptions, build_options
from tfgen.models.autoencoder.autoencoder import Autoencoder, build_networks, compiled
from tfgen.models.autoencoder.corruption import corrupt


@keras.saving.register_keras_serializable(package="tfgen")
class DenoisingAutoencoder(Autoencoder):
    """Trained on `corrupt(x)` against the clean x.

    The corruption is drawn inside the training step from (seed, step), so every epoch sees
    fresh noise; validation uses one fixed draw. At inference `reconstruct` denoises.

    Args:
        options: a `tfgen.config.CorruptionOptions`, as `Autoencoder`'s; it adds noise:
            "gaussian" (sigma = noise_level), "masking" or "salt_and_pepper" (fraction of
            pixels hit = noise_level); see `tfgen.models.autoencoder.corruption`.
    """

    options_class = CorruptionOptions

    def __init__(self, encoder, decoder, options=None, **kwargs):
        super().__init__(encoder, decoder, options, **kwargs)
        self.noise = self.options.noise
        self.noise_level = self.options.noise_level

    def corrupt(self, images, seed):
        return corrupt(images, self.noise, self.noise_level, seed)


def build_denoising_autoencoder(image_shape, options=None, **settings):
    """A compiled denoising autoencoder from a `tfgen.config.DenoisingAutoencoderOptions`
    (None: defaults, Gaussian noise of sigma 0.5) with `settings` on top."""
    options = build_options(DenoisingAutoencoderOptions, options, settings)
    return compiled(DenoisingAutoencoder(*build_networks(image_shape, options), options))
