"""Decoders of the autoencoder family: a latent vector -> pixel logits."""

import math

import keras
from keras import layers

from tfgen.networks.architecture import check_widths
from tfgen.networks.encoder import check_architecture, conv_strides, default_widths


def build_decoder(
    image_shape, latent_dim=16, architecture="conv", widths=None, hidden=256, name="decoder"
):
    """z (B, latent_dim) -> logits (B, H, W, C); sigmoid(logits) are the pixel means.

    Mirrors `build_encoder`: the same widths in reverse, transposed convolutions upsampling
    where the encoder downsampled.
    """
    check_architecture(architecture)
    widths = check_widths("widths", widths or default_widths(architecture))
    height, width, channels = image_shape
    z = keras.Input((latent_dim,), name="z")
    if architecture == "conv":
        strides = conv_strides(image_shape, len(widths))
        scale = 2 ** strides.count(2)
        start_h, start_w = height // scale, width // scale
        x = layers.Dense(hidden, activation="relu")(z)
        x = layers.Dense(start_h * start_w * widths[-1], activation="relu")(x)
        x = layers.Reshape((start_h, start_w, widths[-1]))(x)
        for filters, stride in zip(reversed(widths), reversed(strides)):
            x = layers.Conv2DTranspose(filters, 3, stride, padding="same", activation="relu")(x)
        logits = layers.Conv2D(channels, 3, padding="same", dtype="float32", name="logits")(x)
    else:
        x = z
        for units in reversed(widths):
            x = layers.Dense(units, activation="relu")(x)
        x = layers.Dense(math.prod(image_shape), dtype="float32")(x)
        logits = layers.Reshape(tuple(image_shape), name="logits")(x)
    return keras.Model(z, logits, name=name)
