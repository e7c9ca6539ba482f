"""Encoders of the autoencoder family: images -> named latent heads (a code, or a posterior)."""

import keras
from keras import layers

from tfgen.errors import InputError
from tfgen.networks.architecture import check_widths, spatial_plan

ARCHITECTURES = ("conv", "dense")


def default_widths(architecture):
    return (32, 64) if architecture == "conv" else (512, 256)


def conv_strides(image_shape, n_layers):
    """Stride 2 for as many leading layers as the image halves (down to 2x2), then stride 1."""
    _, _, halvings = spatial_plan(image_shape, smallest=2)
    downsamplings = min(halvings, n_layers)
    return [2] * downsamplings + [1] * (n_layers - downsamplings)


def build_encoder(
    image_shape,
    latent_dim=16,
    architecture="conv",
    widths=None,
    hidden=256,
    heads=("z_mean", "z_log_var"),
    head_activation=None,
    name="encoder",
):
    """images (B, H, W, C) in [0, 1] -> {head: (B, latent_dim)} for each name in `heads`.

    "conv": 3x3 ReLU convolutions (stride 2 while the image halves), then a dense layer of
    `hidden` units. "dense": flatten, then one ReLU dense layer per width. A VAE uses the heads
    ("z_mean", "z_log_var"); an autoencoder one head "code" with `head_activation` (e.g.
    sigmoid for a KL-sparse code).
    """
    check_architecture(architecture)
    widths = check_widths("widths", widths or default_widths(architecture))
    images = keras.Input(tuple(image_shape), name="images")
    x = images
    if architecture == "conv":
        for filters, stride in zip(widths, conv_strides(image_shape, len(widths))):
            x = layers.Conv2D(filters, 3, stride, padding="same", activation="relu")(x)
        x = layers.Flatten()(x)
        x = layers.Dense(hidden, activation="relu")(x)
    else:
        x = layers.Flatten()(x)
        for units in widths:
            x = layers.Dense(units, activation="relu")(x)
    outputs = {
        head: layers.Dense(latent_dim, activation=head_activation, dtype="float32", name=head)(x)
        for head in heads
    }
    return keras.Model(images, outputs, name=name)


def check_architecture(architecture):
    if architecture not in ARCHITECTURES:
        raise InputError(
            f"architecture must be one of {ARCHITECTURES}. Received: architecture={architecture!r}"
        )
