from tfgen.models.dcgan.dcgan import DCGAN_OPTIONS, build_dcgan
from tfgen.networks.dcgan_discriminator import build_discriminator
from tfgen.networks.dcgan_generator import build_generator

__all__ = ["DCGAN_OPTIONS", "build_dcgan", "build_discriminator", "build_generator"]
