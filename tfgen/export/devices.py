"""Exports the part of a model users run on a device (latents, and labels, -> images) as a
LiteRT or ONNX file under `<base>/<name>/<next integer version>/`.

What is exported: a generator's `generate` (z, and label for conditional models -> images in
[0, 1]); a plain autoencoder's `decode` (code -> images). A VAE's decoder is its generator, so
it exports `generate` too. The inputs, outputs and signature name are the SavedModel's.

The version folder holds `model.tflite` (or `model.onnx`) and the metadata
(`assets.extra/tfgen.json`); it is not a SavedModel, so one name never mixes formats (TF Serving
would try to load the newest version). Versions, staging, locking and world-readable files are
as for the SavedModel export (`tfgen.export.saved_model`); the converted file is run once in
this process and must match the Keras model (to `ATOL`) before it is published.

Batch: dynamic by default (the files' batch dimension is -1; LiteRT's signature runner and
ONNX Runtime take any rows). `batch=N` fixes it to N, for delegates and accelerators that
need static shapes. Unlike the SavedModel's signatures, the files do not check their inputs
(LiteRT's built-in ops have no assertions): the runtime checks shapes and dtypes only.
"""

import json
from pathlib import Path

import numpy as np
import tensorflow as tf

import tfgen
from tfgen.errors import InputError
from tfgen.export import litert, onnx
from tfgen.export.saved_model import (
    DEVICE_FILES,
    METADATA_FILE,
    check_one_format,
    model_lock,
    publish_new_version,
)
from tfgen.models.base import ServableMixin
from tfgen.ops.serving import check_model_name

ATOL = 1e-4  # float32 kernels of another runtime, against TensorFlow's
_PROBE_ROWS = 3  # rows of the verification request when the batch is dynamic


def device_function(model, batch=None):
    """(signature name, fn, input specs, resources) of what runs on the device.

    Args:
        model: a tfgen model that samples (GANs, VAEs) or decodes (autoencoders).
        batch: None for a dynamic batch dimension, or the fixed number of rows.

    Raises:
        InputError: a model with neither a generator nor a decoder (a classifier), or a bad
            batch.
    """
    _check_batch(batch)
    if not isinstance(model, ServableMixin) or not (model.can_sample or model.can_encode):
        raise InputError(
            f"a {type(model).__name__} has no generator or decoder to export for devices: "
            "formats 'litert' and 'onnx' export generate (GANs, VAEs) or decode (autoencoders)."
        )
    if model.can_sample:
        name, latent = "generate", "z"
        conditions = [tf.TensorSpec([batch], s.dtype, name=s.name) for s in model.condition_specs()]
        resources = model.latent_networks()
    else:
        name, latent, conditions = "decode", "code", []
        resources = [model.decoder]
    specs = [tf.TensorSpec([batch, model.latent_dim], tf.float32, name=latent), *conditions]

    def fn(*inputs):
        return {"images": model.images_from_latents(*inputs)}

    return name, fn, specs, resources


def export_for_devices(model, name, base="saved_models", format="litert", batch=None, run=None):
    """Exports `model`'s generator or decoder as the next version of `<base>/<name>`.

    Args:
        model: a tfgen model that samples or decodes (see `device_function`).
        name: the model's name (as for `tfgen.export.export_model`).
        base: the folder of versioned models.
        format: "litert" (`model.tflite`) or "onnx" (`model.onnx`).
        batch: None (dynamic) or the fixed batch size of the file's inputs.
        run: facts about the training run, recorded in the metadata.

    Returns:
        Path of the new version folder, e.g. saved_models/dcgan_litert/1.

    Raises:
        InputError: a bad name, format or batch; a model without a generator or decoder; a
            name whose versions are of another format; a missing optional dependency.
        RuntimeError: the converted file's images differ from the Keras model's.

    Example:
        path = export_for_devices(gan, "dcgan_litert")  # saved_models/dcgan_litert/1/model.tflite
    """
    check_model_name(name)
    if format not in DEVICE_FILES:
        raise InputError(
            f"format must be one of {sorted(DEVICE_FILES)}. Received: format={format!r}"
        )
    signature, fn, specs, resources = device_function(model, batch)
    model_dir = Path(base) / name
    check_one_format(model_dir, format)  # before converting; again under the lock
    content = _convert(format, signature, fn, specs, resources)
    probe = _probe_request(model, specs)
    error = _max_error(fn, probe, _run(format, content, signature, probe))
    with model_lock(model_dir):
        check_one_format(model_dir, format)

        def write(staging):
            (staging / DEVICE_FILES[format]).write_bytes(content)
            metadata = _metadata(model, format, signature, specs, batch, error, run)
            (staging / METADATA_FILE).parent.mkdir(parents=True)
            (staging / METADATA_FILE).write_text(json.dumps(metadata, indent=2) + "\n")

        return publish_new_version(model_dir, write)


def _check_batch(batch):
    if batch is not None and (isinstance(batch, bool) or not isinstance(batch, int) or batch < 1):
        raise InputError(f"batch must be None or a positive integer. Received: batch={batch!r}")


def _convert(format, signature, fn, specs, resources):
    if format == "litert":
        return litert.to_litert(signature, fn, specs, resources)
    return onnx.to_onnx(fn, specs)


def _run(format, content, signature, inputs):
    if format == "litert":
        return litert.run_litert(content, signature, inputs)
    return onnx.run_onnx(content, inputs)


def _probe_request(model, specs):
    """A fixed request: standard normal latents and labels cycling through the classes."""
    rows = specs[0].shape[0] or _PROBE_ROWS
    request = {}
    for spec in specs:
        if spec.dtype.is_integer:
            request[spec.name] = (np.arange(rows) % model.num_classes).astype(spec.dtype.name)
        else:
            shape = (rows, *spec.shape[1:])
            request[spec.name] = np.random.default_rng(0).normal(size=shape).astype(np.float32)
    return request


def _max_error(fn, inputs, outputs):
    """The largest |converted - Keras| over the images; RuntimeError beyond ATOL."""
    expected = fn(*[tf.constant(v) for v in inputs.values()])["images"].numpy()
    if outputs["images"].shape != expected.shape:
        raise RuntimeError(
            f"the converted model returned images of shape {outputs['images'].shape}, "
            f"the Keras model {expected.shape}"
        )
    error = float(np.max(np.abs(outputs["images"] - expected)))
    if not error <= ATOL:  # NaN fails too
        raise RuntimeError(f"the converted model's images differ from Keras's by {error} > {ATOL}")
    return error


def _metadata(model, format, signature, specs, batch, error, run):
    image_shape = list(model.image_shape)
    return {
        "tfgen_version": tfgen.__version__,
        "tensorflow_version": tf.__version__,
        "format": format,
        "file": DEVICE_FILES[format],
        "model_class": type(model).__name__,
        "signature": signature,
        "inputs": {
            s.name: {"dtype": s.dtype.name, "shape": [-1 if d is None else d for d in s.shape]}
            for s in specs
        },
        "outputs": {"images": {"dtype": "float32", "shape": [batch or -1, *image_shape]}},
        "batch": batch or "dynamic",
        "image_shape": image_shape,
        "latent_dim": model.latent_dim,
        "num_classes": model.num_classes,
        "output_pixel_range": [0.0, 1.0],
        "verified_max_abs_error": error,
        "training_run": run,
    }
