"""The original GAN (Goodfellow et al. 2014) with multilayer-perceptron networks.

Dense layers keep Keras' default Glorot (Xavier) uniform initialisation (Glorot and Bengio
2010), which keeps activation variances steady through the layers.
"""

import math

import keras
from keras import layers

from tfgen.config import GANOptions, build_options
from tfgen.models.gan.gan import GAN
from tfgen.models.gan.options import compiled_adversarial
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


def build_gan(image_shape, options=None, **settings):
    """A compiled GAN with MLP generator and discriminator; `options` a
    `tfgen.config.GANOptions` (None: defaults), with `settings` applied on top."""
    o = build_options(GANOptions, options, settings)
    return compiled_adversarial(
        GAN,
        build_mlp_generator(image_shape, o.latent_dim, o.g_widths),
        build_mlp_discriminator(image_shape, o.d_widths, o.d_dropout),
        o,
    )
