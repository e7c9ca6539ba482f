"""The serving signatures of each model kind: names, inputs and outputs are a public API.

Every endpoint checks its inputs in the graph (shape, finiteness, range), because TF Serving
checks only dtypes: a bad request then fails with a message naming the input, not deep inside
a matrix multiply. The checks gate the computation (`gated`): without a control dependency an
out-of-range label could reach the embedding lookup first and fail there instead. Endpoints
run with autograph off: no Python `if` on tensors here.
"""

from collections.abc import Callable
from typing import NamedTuple

import keras
import tensorflow as tf

from tfgen.errors import InputError
from tfgen.models.base import AutoencoderMixin, LatentImageModelMixin
from tfgen.ops.sampling import latents_from_seeds


class Endpoint(NamedTuple):
    fn: Callable
    input_specs: list
    outputs: list


def build_archive(model, encoder_only=False):
    """An `ExportArchive` with the model's endpoints; the first is `serving_default`.

    GANs: sample, generate. Autoencoders: reconstruct, encode, decode. VAEs: reconstruct,
    encode, decode, generate, sample. `encoder_only`: encode alone, for users who keep only
    the encoder (the decoder's variables are left out).

    Returns:
        (archive, signature descriptions as {name: {"inputs": {...}, "outputs": [...]}}).

    Raises:
        InputError: `encoder_only` for a model without an encoder.
    """
    endpoints = {}
    if hasattr(model, "logits_of"):  # a classifier
        endpoints.update(_classifier_endpoints(model))
    if isinstance(model, AutoencoderMixin):
        endpoints.update(_autoencoder_endpoints(model))
    if isinstance(model, LatentImageModelMixin):
        endpoints.update(_generator_endpoints(model))
    order = [name for name in ENDPOINT_ORDER if name in endpoints]
    resources = _resources(model)
    if encoder_only:
        if "encode" not in endpoints:
            raise InputError(f"a {type(model).__name__} has no encoder to export on its own.")
        order, resources = ["encode"], [model.encoder]
    archive = keras.export.ExportArchive()
    for resource in resources:
        archive.track(resource)
    described = {}
    for name in order:
        endpoint = endpoints[name]
        archive.add_endpoint(name, endpoint.fn, input_signature=endpoint.input_specs)
        described[name] = {
            "inputs": {
                s.name: {"dtype": s.dtype.name, "shape": _shape(s)} for s in endpoint.input_specs
            },
            "outputs": endpoint.outputs,
        }
    return archive, described


# The first present is serving_default: classify for classifiers, reconstruct for
# autoencoders, sample for GANs.
ENDPOINT_ORDER = ("classify", "reconstruct", "encode", "decode", "sample", "generate")


def gated(tensor, *checks):
    """`tensor`, readable only after every check has passed (each raises its own message)."""
    with tf.control_dependencies([check for check in checks if check is not None]):
        return tf.identity(tensor)


def checked_latents(z, latent_dim, message):
    z = tf.ensure_shape(z, [None, latent_dim])
    return gated(z, tf.debugging.assert_all_finite(z, message))


def _generator_endpoints(model):
    """generate(z[, label]) and sample(seed, truncation[, label]); `label` only for conditional
    models, one per image."""
    latent_dim = model.latent_dim
    num_classes = getattr(model, "num_classes", None)
    label_specs = [] if num_classes is None else [tf.TensorSpec([None], tf.int64, name="label")]

    def images(z, label, where):
        if num_classes is None:
            return {"images": model.images_from_latents(z)}
        label = tf.ensure_shape(label[0], [None])
        message = f"{where}: label must be in [0, {num_classes})"
        label = gated(
            label,
            tf.debugging.assert_equal(
                tf.shape(label),
                tf.shape(z)[:1],
                message=f"{where}: label needs one value per image",
            ),
            tf.debugging.assert_non_negative(label, message=message),
            tf.debugging.assert_less(label, tf.constant(num_classes, tf.int64), message=message),
        )
        return {"images": model.images_from_latents(z, tf.cast(label, tf.int32))}

    def generate(z, *label):
        return images(
            checked_latents(z, latent_dim, "generate: z must be finite"), label, "generate"
        )

    def sample(seed, truncation, *label):
        seed = tf.ensure_shape(seed, [None])
        truncation = tf.ensure_shape(truncation, [None])
        message = "sample: truncation must be in (0, 1]"
        checks = [
            tf.debugging.assert_equal(
                tf.shape(seed),
                tf.shape(truncation),
                message="sample: seed and truncation need one value per image (equal lengths)",
            ),
            tf.debugging.assert_all_finite(truncation, "sample: truncation must be finite"),
            tf.debugging.assert_positive(truncation, message=message),
            tf.debugging.assert_less_equal(truncation, 1.0, message=message),
        ]
        seed, truncation = gated(seed, *checks), gated(truncation, *checks)
        z = latents_from_seeds(seed, truncation, latent_dim, model.truncation_method)
        return images(z, label, "sample")

    seed_specs = [
        tf.TensorSpec([None], tf.int64, name="seed"),
        tf.TensorSpec([None], tf.float32, name="truncation"),
    ]
    z_spec = tf.TensorSpec([None, latent_dim], tf.float32, name="z")
    return {
        "generate": Endpoint(generate, [z_spec, *label_specs], ["images"]),
        "sample": Endpoint(sample, [*seed_specs, *label_specs], ["images"]),
    }


def checked_images(images, image_shape, where):
    """Images (B, H, W, C) in [0, 1], finite, checked in the graph."""
    images = tf.ensure_shape(images, [None, *image_shape])
    message = f"{where}: images must be in [0, 1] (divide 8-bit pixels by 255)"
    return gated(
        images,
        tf.debugging.assert_all_finite(images, f"{where}: images must be finite"),
        tf.debugging.assert_greater_equal(images, 0.0, message=message),
        tf.debugging.assert_less_equal(images, 1.0, message=message),
    )


def _classifier_endpoints(model):
    def classify(images):
        outputs = model.network(
            checked_images(images, model.image_shape, "classify"), training=False
        )
        return {
            "features": outputs["features"],
            "logits": outputs["logits"],
            "probabilities": tf.nn.softmax(outputs["logits"]),
        }

    spec = tf.TensorSpec([None, *model.image_shape], tf.float32, name="images")
    return {"classify": Endpoint(classify, [spec], ["features", "logits", "probabilities"])}


def _autoencoder_endpoints(model):
    image_spec = tf.TensorSpec([None, *model.image_shape], tf.float32, name="images")
    latent_dim = model.latent_dim
    code_name = "z" if model.code_head == "z_mean" else "code"  # a VAE's latent is z

    def encode(images):
        return dict(
            model.encoder(checked_images(images, model.image_shape, "encode"), training=False)
        )

    def decode(code):
        code = checked_latents(code, latent_dim, f"decode: {code_name} must be finite")
        return {"images": model.images_from_latents(code)}

    def reconstruct(images):
        return {
            "images": model(
                checked_images(images, model.image_shape, "reconstruct"), training=False
            )
        }

    return {
        "reconstruct": Endpoint(reconstruct, [image_spec], ["images"]),
        "encode": Endpoint(encode, [image_spec], sorted(model.encoder.output)),
        "decode": Endpoint(
            decode, [tf.TensorSpec([None, latent_dim], tf.float32, name=code_name)], ["images"]
        ),
    }


def _resources(model):
    """The sub-models whose variables the endpoints read (a GAN's discriminator is not served;
    under EMA only the averaged generator is)."""
    if hasattr(model, "logits_of"):
        return [model.network]
    if hasattr(model, "encoder"):
        return [model.encoder, model.decoder]
    return [model.sampling_generator]


def _shape(spec):
    return [-1 if d is None else int(d) for d in spec.shape]
