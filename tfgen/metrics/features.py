"""Feature extractors for the sample metrics, and a cache so real-data features are computed once.

- `classifier:PATH`: a classifier trained with `tfgen train classifier`: a `.keras` file, a run
  folder, or its export (`saved_models/<name>`, latest version, or one version folder), read
  through the `classify` signature. Its penultimate layer gives the features, its logits the
  classifier score. The offline default.
- `inception`: InceptionV3 with ImageNet weights, 2048-d pool3 features (the FID convention),
  images quantised to 8 bits and resized to 299x299 bicubically with antialiasing (as clean-fid
  resizes, Parmar et al. 2022). `inception:FILE.h5` loads the weights from a file;
  `inception:random` uses random weights (only to exercise the pipeline).
"""

import hashlib
import json
import os
from pathlib import Path

import numpy as np
import tensorflow as tf

from tfgen.errors import InputError
from tfgen.utils.io import atomic_path

INCEPTION_WEIGHTS = "inception_v3_weights_tf_dim_ordering_tf_kernels_notop.h5"
INCEPTION_URL = (
    "https://storage.googleapis.com/tensorflow/keras-applications/inception_v3/" + INCEPTION_WEIGHTS
)
INCEPTION_SIZE = 299


class ClassifierFeatures:
    """Features and logits of a tfgen classifier (a .keras model or its SavedModel export)."""

    def __init__(self, path):
        path = Path(path)
        self.name = f"classifier:{path}"
        export = _export_version(path)
        if export is not None:
            self._call = tf.saved_model.load(str(export)).signatures["classify"]
            metadata = json.loads((export / "assets.extra" / "tfgen.json").read_text())
            self.image_shape = tuple(metadata["image_shape"])
            self.dims = int(self._call.structured_outputs["features"].shape[-1])
            self.version = str(export)
            stamp = export / "saved_model.pb"
        else:
            self._keras = _load_classifier(path)
            self.image_shape, self.dims = self._keras.image_shape, self._keras.feature_dim
            self.version = str(path)
            stamp = path if path.is_file() else path / "model.keras"
        stat = stamp.stat()
        self.fingerprint = f"{self.version}:{stat.st_size}:{stat.st_mtime_ns}"

    def features(self, images):
        return self._outputs(images, "features")

    def logits(self, images):
        return self._outputs(images, "logits")

    def _outputs(self, images, key):
        from tfgen.models.base import in_chunks

        if hasattr(self, "_keras"):
            return getattr(self._keras, key)(images)
        return in_chunks(lambda x: self._call(images=x)[key], images)


class InceptionFeatures:
    """InceptionV3 pool3 features (2048-d); no logits (the classifier score needs a classifier)."""

    def __init__(self, weights="imagenet"):
        import keras

        self.name = f"inception:{weights if weights in ('imagenet', 'random') else Path(weights)}"
        resolved = _inception_weights(weights)
        self.network = keras.applications.InceptionV3(
            include_top=False,
            pooling="avg",
            weights=resolved,
            input_shape=(INCEPTION_SIZE, INCEPTION_SIZE, 3),
        )
        self.image_shape = None  # any size: images are resized
        self.fingerprint = f"{self.name}:{_weights_fingerprint(resolved)}"
        self.dims = 2048

    def features(self, images):
        from tfgen.models.base import in_chunks

        return in_chunks(self._pool3, images, chunk=64)

    def logits(self, images):
        return None

    def _pool3(self, images):
        import keras

        pixels = tf.round(tf.clip_by_value(images, 0.0, 1.0) * 255.0)  # as saved 8-bit images
        if pixels.shape[-1] == 1:
            pixels = tf.image.grayscale_to_rgb(pixels)
        resized = tf.image.resize(
            pixels, (INCEPTION_SIZE, INCEPTION_SIZE), method="bicubic", antialias=True
        )
        inputs = keras.applications.inception_v3.preprocess_input(
            tf.clip_by_value(resized, 0.0, 255.0)
        )
        return self.network(inputs, training=False)


def feature_extractor(spec):
    """A feature extractor from "classifier:PATH", "inception", "inception:FILE.h5" or
    "inception:random".

    Raises:
        InputError: an unknown spec, a missing file, or offline without Inception weights.
    """
    kind, _, argument = str(spec).partition(":")
    if kind == "classifier" and argument:
        return ClassifierFeatures(argument)
    if kind == "inception":
        return InceptionFeatures(argument or "imagenet")
    raise InputError(
        "features must be 'classifier:PATH' (a classifier trained by tfgen), "
        f"'inception', 'inception:WEIGHTS.h5' or 'inception:random'. Received: {spec!r}"
    )


def cached_features(extractor, images, cache_dir=None):
    """extractor.features(images), cached on disk by (extractor fingerprint, image bytes).

    The cache lives in `cache_dir`, $TFGEN_CACHE, or ~/.cache/tfgen; entries are written
    atomically. Returns (features, logits or None).
    """
    folder = Path(cache_dir or os.environ.get("TFGEN_CACHE", "~/.cache/tfgen")).expanduser()
    images = np.ascontiguousarray(images, np.float32)
    digest = hashlib.sha256(extractor.fingerprint.encode() + images.tobytes()).hexdigest()[:32]
    path = folder / "features" / f"{digest}.npz"
    if path.is_file():
        with np.load(path) as stored:
            return stored["features"], (stored["logits"] if "logits" in stored else None)  # noqa: SIM401
    features, logits = extractor.features(images), extractor.logits(images)
    arrays = {"features": features, **({"logits": logits} if logits is not None else {})}
    with atomic_path(path) as tmp, open(tmp, "wb") as f:
        np.savez(f, **arrays)
    return features, logits


def _export_version(path):
    """The SavedModel folder for an export: a version folder, or the latest under a name."""
    if (path / "saved_model.pb").is_file():
        return path
    versions = (
        sorted(int(p.name) for p in path.glob("*") if p.name.isdigit()) if path.is_dir() else []
    )
    return path / str(versions[-1]) if versions else None


def _load_classifier(path):
    from tfgen.models import load_model
    from tfgen.models.classifier import Classifier

    file = path / "model.keras" if path.is_dir() else path
    if not file.is_file():
        raise InputError(
            f"{path}: no classifier found; expected a .keras file, a training run "
            "folder holding model.keras, or an exported classifier (saved_models/NAME)."
        )
    model = load_model(file)
    if not isinstance(model, Classifier):
        raise InputError(
            f"{file}: a {type(model).__name__}, not a classifier; train one with "
            "`tfgen train classifier --data SOURCE`."
        )
    return model


def _inception_weights(weights):
    if weights == "random":
        return None
    if weights != "imagenet":
        if not Path(weights).is_file():
            raise InputError(f"Inception weights file not found: {weights}")
        return str(weights)
    cached = (
        Path(os.environ.get("KERAS_HOME", "~/.keras")).expanduser() / "models" / INCEPTION_WEIGHTS
    )
    if cached.is_file():
        return str(cached)
    from tfgen.data.tfds_source import download_host_reachable

    if not download_host_reachable():
        raise InputError(
            f"the InceptionV3 ImageNet weights are not in {cached} and this machine is offline. "
            f"Download {INCEPTION_URL} on a connected machine and copy it to {cached} (or pass "
            "--features inception:PATH/TO/FILE.h5), or use a tfgen classifier: "
            "--features classifier:PATH."
        )
    return "imagenet"


def _weights_fingerprint(resolved):
    if resolved is None:  # every random network differs: never share a cache entry
        return f"random:{os.urandom(8).hex()}"
    if resolved == "imagenet":
        return INCEPTION_WEIGHTS
    stat = Path(resolved).stat()
    return json.dumps([Path(resolved).name, stat.st_size, stat.st_mtime_ns])
