"""The model catalogue: every model `tfgen train NAME` can build, with its data conventions."""

import inspect
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from tfgen.errors import InputError
from tfgen.models.autoencoder import (
    Autoencoder,
    DenoisingAutoencoder,
    SparseAutoencoder,
    build_autoencoder,
    build_denoising_autoencoder,
    build_sparse_autoencoder,
)
from tfgen.models.dcgan import DCGAN, build_dcgan
from tfgen.models.vae import VAE, build_vae


@dataclass(frozen=True)
class ModelSpec:
    """How to build a model and feed it.

    Attributes:
        build: (image_shape, **hparams) -> a compiled model.
        pixel_range: the range its input pixels are scaled to.
        validation_split: fraction held out by default (None for models without a test step).
        drop_remainder: train on full batches only (keeps GAN step shapes static).
    """

    build: Callable
    pixel_range: tuple
    validation_split: float | None = None
    drop_remainder: bool = False


MODELS = {
    "ae": ModelSpec(build_autoencoder, Autoencoder.pixel_range, validation_split=0.1),
    "sparse_ae": ModelSpec(build_sparse_autoencoder, SparseAutoencoder.pixel_range, 0.1),
    "denoising_ae": ModelSpec(build_denoising_autoencoder, DenoisingAutoencoder.pixel_range, 0.1),
    "vae": ModelSpec(build_vae, VAE.pixel_range, validation_split=0.1),
    "dcgan": ModelSpec(build_dcgan, DCGAN.pixel_range, drop_remainder=True),
}


def get_spec(name):
    if name not in MODELS:
        raise InputError(f"unknown model: expected one of {sorted(MODELS)}. Received: {name!r}")
    return MODELS[name]


def hparam_defaults(name):
    """The hyperparameters `build_model(name, ...)` accepts, with their defaults."""
    parameters = inspect.signature(get_spec(name).build).parameters
    return {k: p.default for k, p in parameters.items() if p.kind is p.KEYWORD_ONLY}


def build_model(name, image_shape, **hparams):
    """Builds and compiles model `name` for images of `image_shape` (H, W, C).

    Raises:
        InputError: unknown model name or hyperparameter.
    """
    defaults = hparam_defaults(name)
    unknown = sorted(set(hparams) - set(defaults))
    if unknown:
        raise InputError(
            f"unknown hyperparameter(s) {unknown} for {name}; it accepts: "
            + ", ".join(f"{k}={v!r}" for k, v in defaults.items())
        )
    return get_spec(name).build(tuple(image_shape), **hparams)


def load_model(path):
    """Loads a `.keras` file saved by tfgen, with both optimizers' state.

    Raises:
        InputError: the file is missing or not a Keras model file.
    """
    import keras

    path = Path(path)
    if not path.is_file() or path.suffix != ".keras":
        raise InputError(f"expected a saved model file ending in .keras. Received: {str(path)!r}")
    try:
        return keras.saving.load_model(path)
    except (ValueError, OSError) as e:
        raise InputError(f"{path}: cannot load the model ({e}).") from e


__all__ = [
    "MODELS",
    "Autoencoder",
    "DCGAN",
    "DenoisingAutoencoder",
    "SparseAutoencoder",
    "VAE",
    "build_model",
    "get_spec",
    "hparam_defaults",
    "load_model",
]
