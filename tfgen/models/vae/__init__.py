from tfgen.models.vae.decoder import build_decoder
from tfgen.models.vae.encoder import build_encoder
from tfgen.models.vae.vae import VAE, build_vae

__all__ = ["VAE", "build_decoder", "build_encoder", "build_vae"]
