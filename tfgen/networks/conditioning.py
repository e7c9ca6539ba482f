"""Class conditioning for generators and discriminators (Mirza and Osindero 2014).

The generator sees a learned embedding of the label concatenated to z. The discriminator is
conditioned either by projection (Miyato and Koyama 2018: logit = psi(h) + <embed(y), h>, h the
image features) or by concatenation (a learned label plane stacked onto the image channels).
"""

import keras
from keras import layers

from tfgen.errors import InputError

CONDITIONINGS = ("projection", "concat")
LABEL_EMBEDDING = 50  # size of the label embedding fed to the generator


def latent_inputs(latent_dim, num_classes=None):
    """(inputs, tensor): z alone, or [z, label] with the label embedding concatenated to z."""
    z = keras.Input((latent_dim,), name="z")
    if num_classes is None:
        return z, z
    label = keras.Input((), dtype="int32", name="label")
    embedded = layers.Embedding(num_classes, LABEL_EMBEDDING, name="label_embedding")(label)
    return [z, label], layers.Concatenate()([z, embedded])


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


def output_logit(features, label, num_classes, conditioning, kernel_initializer):
    """One score per image from flat features, plus <embed(y), h> under projection."""
    logit = layers.Dense(1, kernel_initializer=kernel_initializer, dtype="float32", name="logits")(
        features
    )
    if label is None or conditioning != "projection":
        return logit
    embedded = layers.Embedding(num_classes, features.shape[-1], name="label_projection")(label)
    projection = layers.Dot(axes=1, dtype="float32")([embedded, features])
    return layers.Add(dtype="float32", name="conditional_logits")([logit, projection])
