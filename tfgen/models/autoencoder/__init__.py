from tfgen.models.autoencoder.autoencoder import Autoencoder, build_autoencoder
from tfgen.models.autoencoder.corruption import NOISES, corrupt
from tfgen.models.autoencoder.decoder import build_decoder
from tfgen.models.autoencoder.denoising import DenoisingAutoencoder, build_denoising_autoencoder
from tfgen.models.autoencoder.encoder import build_encoder
from tfgen.models.autoencoder.sparse import SparseAutoencoder, build_sparse_autoencoder

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
