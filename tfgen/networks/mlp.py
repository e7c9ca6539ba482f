"""The networks of the original GAN (Goodfellow et al. 2014): multilayer perceptrons.

Dense layers keep Keras' default Glorot (Xavier) uniform initialisation (Glorot and Bengio
2010), which keeps activation variances steady through the layers.
"""

import math

import keras
from keras import layers

from tfgen.networks.architecture import batch_norm, check_widths


def build_mlp_generator(image_shape, latent_dim=100, widths=(256, 512, 1024), name="generator"):
    """z -> images in [-1, 1]: Dense + batch norm + LeakyReLU(0.2) per width, then tanh."""
    widths = check_widths("g_widths", widths)
    z = keras.Input((latent_dim,), name="z")
    x = z
    for units in widths:
        x = layers.Dense(units, use_bias=False)(x)  # batch norm's beta is the bias
        x = batch_norm()(x)
        x = layers.LeakyReLU(0.2)(x)
    x = layers.Dense(math.prod(image_shape))(x)
    x = layers.Activation("tanh", dtype="float32")(x)
    images = layers.Reshape(tuple(image_shape), name="images")(x)
    return keras.Model(z, images, name=name)


def build_mlp_discriminator(image_shape, widths=(512, 256), dropout=0.3, name="discriminator"):
    """images -> one logit: Dense + LeakyReLU(0.2) + dropout per width (dropout as in the
    paper's discriminator)."""
    widths = check_widths("d_widths", widths)
    images = keras.Input(tuple(image_shape), name="images")
    x = layers.Flatten()(images)
    for units in widths:
        x = layers.Dense(units)(x)
        x = layers.LeakyReLU(0.2)(x)
        if dropout:
            x = layers.Dropout(dropout)(x)
    logits = layers.Dense(1, dtype="float32", name="logits")(x)
    return keras.Model(images, logits, name=name)
