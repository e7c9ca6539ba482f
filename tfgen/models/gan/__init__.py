from tfgen.config import AdversarialGame, AdversarialOptions, GANOptions
from tfgen.models.gan.builder import build_gan
from tfgen.models.gan.gan import GAN
from tfgen.networks.mlp import build_mlp_discriminator, build_mlp_generator

__all__ = [
    "GAN",
    "AdversarialGame",
    "AdversarialOptions",
    "GANOptions",
    "build_gan",
    "build_mlp_discriminator",
    "build_mlp_generator",
]
