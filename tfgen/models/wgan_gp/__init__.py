from tfgen.config import WGANGPOptions
from tfgen.models.wgan_gp.wgan_gp import build_wgan_gp

__all__ = ["WGANGPOptions", "build_wgan_gp"]
