"""The model catalogue: every model `tfgen train NAME` can build, with its data conventions."""

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from tfgen.config import model_options, resolve_settings
from tfgen.errors import InputError
from tfgen.models.autoencoder import (
    Autoencoder,
    DenoisingAutoencoder,
    SparseAutoencoder,
    build_autoencoder,
    build_denoising_autoencoder,
    build_sparse_autoencoder,
)
from tfgen.models.base import ServableMixin
from tfgen.models.cgan import build_cgan
from tfgen.models.classifier import Classifier, build_classifier
from tfgen.models.dcgan import build_dcgan
from tfgen.models.gan import GAN, build_gan
from tfgen.models.sngan import build_conditional_sngan, build_sngan
from tfgen.models.vae import VAE, build_vae
from tfgen.models.vaegan import VAEGAN, build_vaegan
from tfgen.models.wgan_gp import build_wgan_gp


@dataclass(frozen=True)
class ModelSpec:
    """How to build a model and feed it.

    Attributes:
        build: (image_shape, options) -> a compiled model, `options` the validated options
            of the model (`tfgen.config.MODEL_OPTIONS[name]`); num_classes as a keyword for
            models that need labels.
        pixel_range: the range its input pixels are scaled to.
        validation_split: fraction held out by default (None for models without a test step).
        drop_remainder: train on full batches only (keeps GAN step shapes static).
        needs_labels: `build` takes num_classes from the data and training needs labels.
    """

    build: Callable
    pixel_range: tuple
    validation_split: float | None = None
    drop_remainder: bool = False
    needs_labels: bool = False


def _gan(build, **kwargs):
    return ModelSpec(build, GAN.pixel_range, drop_remainder=True, **kwargs)


MODELS = {
    "ae": ModelSpec(build_autoencoder, Autoencoder.pixel_range, validation_split=0.1),
    "sparse_ae": ModelSpec(build_sparse_autoencoder, SparseAutoencoder.pixel_range, 0.1),
    "denoising_ae": ModelSpec(build_denoising_autoencoder, DenoisingAutoencoder.pixel_range, 0.1),
    "vae": ModelSpec(build_vae, VAE.pixel_range, validation_split=0.1),
    "gan": _gan(build_gan),
    "dcgan": _gan(build_dcgan),
    "cgan": _gan(build_cgan, needs_labels=True),
    "wgan_gp": _gan(build_wgan_gp),
    "sngan": _gan(build_sngan),
    "conditional_sngan": _gan(build_conditional_sngan, needs_labels=True),
    "classifier": ModelSpec(
        build_classifier, Classifier.pixel_range, validation_split=0.1, needs_labels=True
    ),
    "vaegan": ModelSpec(
        build_vaegan, VAEGAN.pixel_range, validation_split=0.1, drop_remainder=True
    ),
}


def get_spec(name):
    if name not in MODELS:
        raise InputError(f"unknown model: expected one of {sorted(MODELS)}. Received: {name!r}")
    return MODELS[name]


def hparam_defaults(name):
    """The settings `build_model(name, ...)` accepts, with their defaults (JSON-able; None
    where the model sizes itself). `tfgen train NAME --list-settings` shows their rules."""
    get_spec(name)
    return resolve_settings(name)


def build_model(name, image_shape, num_classes=None, **hparams):
    """Builds and compiles model `name` for images of `image_shape` (H, W, C).

    Args:
        num_classes: the number of labels, for models that condition on them (cgan).
        **hparams: settings of the model's options class (see `settings_table(name)`);
            values that crossed JSON or protobuf as doubles (8.0) are accepted as ints. A
            validated options object may be passed as `options=`.

    Raises:
        InputError: unknown model name or setting, a value its rule refuses, or a missing
            num_classes.
    """
    spec = get_spec(name)
    given = hparams.pop("options", None)
    options = model_options(name, given)
    if hparams:
        options = options.replace(**hparams)
    if not spec.needs_labels:
        return spec.build(tuple(image_shape), options)
    if num_classes is None:
        raise InputError(
            f"{name} conditions on labels: it needs labelled data (num_classes was not given)."
        )
    return spec.build(tuple(image_shape), options, num_classes=num_classes)


def load_model(path):
    """Loads a `.keras` file saved by tfgen, with both optimizers' state.

    Loads in Keras's safe mode only: an archive whose config names arbitrary Python (a Lambda
    layer's bytecode, `os.system`, ...) is refused, never run.

    Raises:
        InputError: the file is missing, not a `.keras` zip archive (garbage or truncated), not
            a model Keras and tfgen can rebuild, or unsafe to load; the message names the file.
    """
    import zipfile

    import keras

    path = Path(path)
    if path.suffix != ".keras":
        raise InputError(f"expected a saved model file ending in .keras. Received: {str(path)!r}")
    if not path.is_file():
        raise InputError(f"{path}: no such model file.")
    if not zipfile.is_zipfile(path):
        raise InputError(
            f"{path}: cannot load the model: a .keras file is a zip archive and this one is not "
            f"(truncated or not a model file). Received: {path.stat().st_size} bytes."
        )
    try:
        model = keras.saving.load_model(path)  # safe_mode=True: refuses code in the config
    except (
        TypeError,  # unknown class or function, e.g. {"module": "os", "class_name": "system"}
        ValueError,  # Lambda bytecode refused by safe mode, bad JSON, bad weights
        KeyError,  # a file missing from the archive
        AttributeError,
        IndexError,
        OSError,  # unreadable weights (h5)
        EOFError,
        zipfile.BadZipFile,
    ) as e:
        # Keras's first sentence names the cause; the rest may suggest safe_mode=False
        reason = str(e).split(". ")[0].strip().rstrip(".")
        raise InputError(
            f"{path}: cannot load the model: not a tfgen model, or unsafe (tfgen loads only what "
            f"Keras's safe mode allows). Received: {type(e).__name__}: {reason[:300]}."
        ) from e
    if not isinstance(model, ServableMixin):  # every tfgen model declares its capabilities
        raise InputError(
            f"{path}: cannot load the model: not a tfgen model. "
            f"Received: a {type(model).__name__}, not one of tfgen's models."
        )
    return model
