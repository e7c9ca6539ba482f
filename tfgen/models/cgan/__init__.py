from tfgen.models.cgan.cgan import CGAN_OPTIONS, ConditionalGAN, build_cgan

__all__ = ["CGAN_OPTIONS", "ConditionalGAN", "build_cgan"]
