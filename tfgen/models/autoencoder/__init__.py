from tfgen.models.autoencoder.autoencoder import Autoencoder, build_autoencoder
from tfgen.models.autoencoder.corruption import NOISES, corrupt
from tfgen.models.autoencoder.denoising import DenoisingAutoencoder, build_denoising_autoencoder
from tfgen.models.autoencoder.sparse import SparseAutoencoder, build_sparse_autoencoder
from tfgen.networks.decoder import build_decoder
from tfgen.networks.encoder import build_encoder

__all__ = [
    "NOISES",
    "Autoencoder",
    "DenoisingAutoencoder",
    "SparseAutoencoder",
    "build_autoencoder",
    "build_decoder",
    "build_denoising_autoencoder",
    "build_encoder",
    "build_sparse_autoencoder",
    "corrupt",
]
