from tfgen.config import CGANOptions
from tfgen.models.cgan.cgan import ConditionalGAN, build_cgan

__all__ = ["CGANOptions", "ConditionalGAN", "build_cgan"]
