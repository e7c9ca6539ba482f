from tfgen.models.wgan_gp.wgan_gp import WGAN_GP_OPTIONS, build_wgan_gp

__all__ = ["WGAN_GP_OPTIONS", "build_wgan_gp"]
