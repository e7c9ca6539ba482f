"""The DCGAN generator (Radford et al. 2016): project z, then transposed convolutions."""

import keras
from keras import layers

from tfgen.errors import InputError
from tfgen.networks.architecture import (
    batch_norm,
    check_widths,
    dcgan_gamma_init,
    dcgan_kernel_init,
    spatial_plan,
)
from tfgen.networks.conditioning import latent_inputs


def default_generator_widths(halvings):
    """(256, 128, 64) up to 32x32 images; one more, doubled, per extra factor of two."""
    depth = max(3, halvings)
    return tuple(64 * 2**i for i in reversed(range(depth)))


def build_generator(
    image_shape,
    latent_dim=100,
    widths=None,
    kernel_size=4,
    activation="relu",
    num_classes=None,
    name="generator",
):
    """z (B, latent_dim) [, label (B,)] -> images (B, H, W, C) in [-1, 1].

    Dense projection to a (h0, w0, widths[0]) map, then one transposed convolution per further
    width and a last one to C channels, each followed by batch norm and `activation` except the
    last, which ends in tanh. Stride-2 layers are placed last, as many as the image needs (8x8:
    1, 28x28: 2, 32x32: 3, 64x64: 4); earlier layers use stride 1.

    Args:
        image_shape: (H, W, C) of the images to generate.
        latent_dim: size of z.
        widths: filters of the projection and of each hidden transposed convolution.
        kernel_size: transposed-convolution kernel size.
        activation: hidden activation, "relu" (DCGAN) or "leaky_relu".
        num_classes: makes the generator class-conditional: a second input `label`, whose
            embedding is concatenated to z.
    """
    height, width, channels = image_shape
    start_h, start_w, halvings = spatial_plan(image_shape, smallest=4)
    widths = check_widths("g_widths", widths or default_generator_widths(halvings))
    if halvings > len(widths):
        raise InputError(
            f"a {height}x{width} generator needs {halvings} upsampling layers but g_widths "
            f"{widths} gives {len(widths)}; pass at least {halvings} widths."
        )
    strides = [1] * (len(widths) - halvings) + [2] * halvings
    init, gamma = dcgan_kernel_init(), dcgan_gamma_init()

    inputs, x = latent_inputs(latent_dim, num_classes)
    x = layers.Dense(start_h * start_w * widths[0], use_bias=False, kernel_initializer=init)(x)
    x = batch_norm(gamma_initializer=gamma)(x)
    x = layers.Activation(activation)(x)
    x = layers.Reshape((start_h, start_w, widths[0]))(x)
    for filters, stride in zip(widths[1:], strides[:-1]):
        x = layers.Conv2DTranspose(
            filters, kernel_size, stride, padding="same", use_bias=False, kernel_initializer=init
        )(x)
        x = batch_norm(gamma_initializer=gamma)(x)
        x = layers.Activation(activation)(x)
    x = layers.Conv2DTranspose(
        channels, kernel_size, strides[-1], padding="same", kernel_initializer=init
    )(x)
    # float32 output keeps images float32 under mixed precision
    images = layers.Activation("tanh", dtype="float32", name="images")(x)
    return keras.Model(inputs, images, name=name)
