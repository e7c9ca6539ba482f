from tfgen.config import DCGANOptions
from tfgen.models.dcgan.dcgan import build_dcgan
from tfgen.networks.dcgan_discriminator import build_discriminator
from tfgen.networks.dcgan_generator import build_generator

__all__ = ["DCGANOptions", "build_dcgan", "build_discriminator", "build_generator"]
