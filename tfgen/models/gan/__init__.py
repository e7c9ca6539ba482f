from tfgen.models.gan.gan import GAN
from tfgen.models.gan.options import ADVERSARIAL_DEFAULTS
from tfgen.networks.mlp import (
    GAN_OPTIONS,
    build_gan,
    build_mlp_discriminator,
    build_mlp_generator,
)

__all__ = [
    "ADVERSARIAL_DEFAULTS",
    "GAN",
    "GAN_OPTIONS",
    "build_gan",
    "build_mlp_discriminator",
    "build_mlp_generator",
]
