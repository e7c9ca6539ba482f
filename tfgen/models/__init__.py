"""The models: one folder per family, and the catalogue of what `tfgen train NAME` builds."""

from tfgen.config import MODEL_OPTIONS, resolve_settings, settings_table
from tfgen.models.autoencoder import Autoencoder, DenoisingAutoencoder, SparseAutoencoder
from tfgen.models.catalogue import (
    MODELS,
    ModelSpec,
    build_model,
    get_spec,
    hparam_defaults,
    load_model,
)
from tfgen.models.cgan import ConditionalGAN
from tfgen.models.classifier import Classifier
from tfgen.models.gan import GAN
from tfgen.models.vae import VAE
from tfgen.models.vaegan import VAEGAN

__all__ = [
    "MODELS",
    "MODEL_OPTIONS",
    "GAN",
    "VAEGAN",
    "Autoencoder",
    "Classifier",
    "ConditionalGAN",
    "DenoisingAutoencoder",
    "ModelSpec",
    "SparseAutoencoder",
    "VAE",
    "build_model",
    "get_spec",
    "hparam_defaults",
    "load_model",
    "resolve_settings",
    "settings_table",
]
