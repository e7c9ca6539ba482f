from tfgen.models.vae.vae import VAE, build_vae

__all__ = ["VAE", "build_vae"]
