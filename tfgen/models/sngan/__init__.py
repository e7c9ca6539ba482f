from tfgen.config import ConditionalSNGANOptions, SNGANOptions
from tfgen.models.sngan.conditional import build_conditional_sngan
from tfgen.models.sngan.sngan import build_sngan
from tfgen.networks.resnet import build_resnet_discriminator, build_resnet_generator

__all__ = [
    "ConditionalSNGANOptions",
    "SNGANOptions",
    "build_conditional_sngan",
    "build_resnet_discriminator",
    "build_resnet_generator",
    "build_sngan",
]
