"""The denoising autoencoder (Vincent et al. 2008): reconstruct clean images from corrupted
ones, with fresh corruption at every step."""

import keras

from tfgen.models.autoencoder.autoencoder import Autoencoder, build_networks, compiled
from tfgen.models.autoencoder.corruption import check_noise, corrupt


@keras.saving.register_keras_serializable(package="tfgen")
class DenoisingAutoencoder(Autoencoder):
    """Trained on `corrupt(x)` against the clean x.

    The corruption is drawn inside the training step from (seed, step), so every epoch sees
    fresh noise; validation uses one fixed draw. At inference `reconstruct` denoises.

    Args:
        noise: "gaussian" (sigma = noise_level), "masking" or "salt_and_pepper" (fraction of
            pixels hit = noise_level); see `tfgen.models.autoencoder.corruption`.
    """

    def __init__(self, encoder, decoder, noise="gaussian", noise_level=0.5, **kwargs):
        super().__init__(encoder, decoder, **kwargs)
        check_noise(noise, noise_level)
        self.noise = noise
        self.noise_level = float(noise_level)

    def corrupt(self, images, seed):
        return corrupt(images, self.noise, self.noise_level, seed)

    def get_config(self):
        return {**super().get_config(), "noise": self.noise, "noise_level": self.noise_level}


def build_denoising_autoencoder(
    image_shape,
    *,
    noise="gaussian",
    noise_level=0.5,
    code_size=64,
    architecture="conv",
    widths=None,
    hidden=256,
    reconstruction_loss="bce",
    learning_rate=1e-3,
    seed=0,
):
    """A compiled denoising autoencoder (default: Gaussian noise, sigma 0.5)."""
    encoder, decoder = build_networks(image_shape, code_size, architecture, widths, hidden)
    model = DenoisingAutoencoder(
        encoder, decoder, noise, noise_level, reconstruction_loss=reconstruction_loss, seed=seed
    )
    return compiled(model, learning_rate)
