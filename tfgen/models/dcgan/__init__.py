from tfgen.models.dcgan.dcgan import DCGAN_OPTIONS, build_dcgan
from tfgen.models.dcgan.discriminator import build_discriminator
from tfgen.models.dcgan.generator import build_generator

__all__ = ["DCGAN_OPTIONS", "build_dcgan", "build_discriminator", "build_generator"]
