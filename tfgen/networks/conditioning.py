"""Class conditioning for generators and discriminators (Mirza and Osindero 2014).

The generator sees a learned embedding of the label concatenated to z ("concat"), or one shared
class embedding that sets the scale and shift of every batch norm ("cbn": conditional batch
norm, de Vries et al. 2017, as in Miyato and Koyama 2018 and BigGAN). The discriminator is
conditioned either by projection (Miyato and Koyama 2018: logit = psi(h) + <embed(y), h>, h the
image features) or by concatenation (a learned label plane stacked onto the image channels).
"""

import keras
from keras import layers

from tfgen.errors import InputError
from tfgen.networks.spectral import spectral

CONDITIONINGS = ("projection", "concat")
G_CONDITIONINGS = ("concat", "cbn")
LABEL_EMBEDDING = 50  # size of the label embedding concatenated to z
SHARED_EMBEDDING = 128  # size of the class embedding every conditional batch norm reads (BigGAN)


def latent_inputs(latent_dim, num_classes=None):
    """(inputs, tensor): z alone, or [z, label] with the label embedding concatenated to z."""
    z = keras.Input((latent_dim,), name="z")
    if num_classes is None:
        return z, z
    label = keras.Input((), dtype="int32", name="label")
    embedded = layers.Embedding(num_classes, LABEL_EMBEDDING, name="label_embedding")(label)
    return [z, label], layers.Concatenate()([z, embedded])


def shared_embedding_inputs(latent_dim, num_classes):
    """([z, label], z, e): z alone, and the shared class embedding e (B, SHARED_EMBEDDING)
    that conditional batch norms read."""
    z = keras.Input((latent_dim,), name="z")
    label = keras.Input((), dtype="int32", name="label")
    embedding = layers.Embedding(num_classes, SHARED_EMBEDDING, name="class_embedding")(label)
    return [z, label], z, embedding


def image_inputs(image_shape, num_classes=None, conditioning="projection"):
    """(inputs, tensor, label or None) for a discriminator; "concat" stacks a label plane."""
    images = keras.Input(tuple(image_shape), name="images")
    if num_classes is None:
        return images, images, None
    if conditioning not in CONDITIONINGS:
        raise InputError(f"conditioning must be one of {CONDITIONINGS}. Received: {conditioning!r}")
    label = keras.Input((), dtype="int32", name="label")
    if conditioning == "projection":
        return [images, label], images, label
    height, width = image_shape[:2]
    plane = layers.Embedding(num_classes, height * width, name="label_plane")(label)
    plane = layers.Reshape((height, width, 1))(plane)
    return [images, label], layers.Concatenate()([images, plane]), label


def output_logit(
    features, label, num_classes, conditioning, kernel_initializer, spectral_norm=False
):
    """One score per image from flat features, plus <embed(y), h> under projection; with
    `spectral_norm`, both the logit's kernel and the embedding are spectrally normalized."""
    dense = layers.Dense(1, kernel_initializer=kernel_initializer, dtype="float32", name="logits")
    logit = spectral(dense, spectral_norm)(features)
    if label is None or conditioning != "projection":
        return logit
    embedded = _projection_embedding(label, num_classes, features.shape[-1], spectral_norm)
    projection = layers.Dot(axes=1, dtype="float32")([embedded, features])
    return layers.Add(dtype="float32", name="conditional_logits")([logit, projection])


def _projection_embedding(label, num_classes, size, spectral_norm):
    """embed(y), (B, size). Under spectral norm, one_hot(y) @ V with V (num_classes, size)
    normalized: the same embedding, through a Dense that the normalization wrapper accepts
    (Keras's wrapper casts an Embedding's output to the integer labels' dtype)."""
    if not spectral_norm:
        return layers.Embedding(num_classes, size, name="label_projection")(label)
    one_hot = layers.CategoryEncoding(num_classes, output_mode="one_hot")(label)
    dense = layers.Dense(size, use_bias=False, name="label_projection")
    return spectral(dense)(one_hot)
