"""The serving signatures of each model kind: names, inputs and outputs are a public API.

Every endpoint checks its inputs in the graph (shape, finiteness, range), because TF Serving
checks only dtypes: a bad request then fails with a message naming the input, not deep inside
a matrix multiply. Endpoints run with autograph off: no Python `if` on tensors here.
"""

import keras
import tensorflow as tf

from tfgen.sampling import latents_from_seeds


def build_archive(model):
    """An `ExportArchive` with the model's endpoints; the first is `serving_default`.

    Generators (GANs): sample, generate. Autoencoders with a latent prior (VAE): reconstruct,
    encode, decode, generate, sample.

    Returns:
        (archive, signature descriptions as {name: {"inputs": {...}, "outputs": [...]}}).
    """
    archive = keras.export.ExportArchive()
    described = {}
    endpoints = _autoencoder_endpoints(model) if hasattr(model, "encoder") else []
    endpoints += _generator_endpoints(model)
    if hasattr(model, "encoder"):  # serving_default = reconstruct, otherwise sample
        order = ["reconstruct", "encode", "decode", "generate", "sample"]
    else:
        order = ["sample", "generate"]
    by_name = {e[0]: e for e in endpoints}
    for resource in _resources(model):
        archive.track(resource)
    for name in order:
        _, fn, specs, outputs = by_name[name]
        archive.add_endpoint(name, fn, input_signature=specs)
        described[name] = {
            "inputs": {s.name: {"dtype": s.dtype.name, "shape": _shape(s)} for s in specs},
            "outputs": outputs,
        }
    return archive, described


def _generator_endpoints(model):
    latent_dim = model.latent_dim

    def generate(z):
        z = tf.ensure_shape(z, [None, latent_dim])
        tf.debugging.assert_all_finite(z, "generate: z must be finite")
        return {"images": model.images_from_latents(z)}

    def sample(seed, truncation):
        seed = tf.ensure_shape(seed, [None])
        truncation = tf.ensure_shape(truncation, [None])
        tf.debugging.assert_equal(
            tf.shape(seed),
            tf.shape(truncation),
            message="sample: seed and truncation need one value per image (equal lengths)",
        )
        tf.debugging.assert_all_finite(truncation, "sample: truncation must be finite")
        tf.debugging.assert_positive(truncation, message="sample: truncation must be in (0, 1]")
        tf.debugging.assert_less_equal(
            truncation, 1.0, message="sample: truncation must be in (0, 1]"
        )
        z = latents_from_seeds(seed, truncation, latent_dim)
        return {"images": model.images_from_latents(z)}

    return [
        (
            "generate",
            generate,
            [tf.TensorSpec([None, latent_dim], tf.float32, name="z")],
            ["images"],
        ),
        (
            "sample",
            sample,
            [
                tf.TensorSpec([None], tf.int64, name="seed"),
                tf.TensorSpec([None], tf.float32, name="truncation"),
            ],
            ["images"],
        ),
    ]


def _autoencoder_endpoints(model):
    image_spec = tf.TensorSpec([None, *model.image_shape], tf.float32, name="images")
    latent_dim = model.latent_dim

    def checked_images(images, where):
        images = tf.ensure_shape(images, [None, *model.image_shape])
        tf.debugging.assert_all_finite(images, f"{where}: images must be finite")
        tf.debugging.assert_greater_equal(
            images, 0.0, message=f"{where}: images must be in [0, 1] (divide 8-bit pixels by 255)"
        )
        tf.debugging.assert_less_equal(
            images, 1.0, message=f"{where}: images must be in [0, 1] (divide 8-bit pixels by 255)"
        )
        return images

    def encode(images):
        posterior = model.encoder(checked_images(images, "encode"), training=False)
        return {"z_mean": posterior["z_mean"], "z_log_var": posterior["z_log_var"]}

    def decode(z):
        z = tf.ensure_shape(z, [None, latent_dim])
        tf.debugging.assert_all_finite(z, "decode: z must be finite")
        return {"images": model.images_from_latents(z)}

    def reconstruct(images):
        return {"images": model(checked_images(images, "reconstruct"), training=False)}

    z_spec = tf.TensorSpec([None, latent_dim], tf.float32, name="z")
    return [
        ("reconstruct", reconstruct, [image_spec], ["images"]),
        ("encode", encode, [image_spec], ["z_mean", "z_log_var"]),
        ("decode", decode, [z_spec], ["images"]),
    ]


def _resources(model):
    """The sub-models whose variables the endpoints read (a GAN's discriminator is not served)."""
    names = ("encoder", "decoder") if hasattr(model, "encoder") else ("generator",)
    return [getattr(model, n) for n in names]


def _shape(spec):
    return [-1 if d is None else int(d) for d in spec.shape]
