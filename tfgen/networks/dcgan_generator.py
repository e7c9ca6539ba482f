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
from tfgen.networks.attention import SelfAttention, check_attention
from tfgen.networks.conditional_batch_norm import ConditionalBatchNormalization
from tfgen.networks.conditioning import G_CONDITIONINGS, latent_inputs, shared_embedding_inputs


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
    attention=0,
    conditioning="concat",
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
        num_classes: makes the generator class-conditional: a second input `label`.
        attention: a self-attention block (Zhang et al. 2019) after the last hidden layer at
            this resolution (the height of its feature map), 0 for none.
        conditioning: how a conditional G sees the label: "concat" (its embedding
            concatenated to z) or "cbn" (z alone; a shared class embedding drives conditional
            batch norm in every batch norm, Miyato and Koyama 2018).

    Raises:
        InputError: too few widths for the image, no hidden layer at `attention`, or an
            unknown `conditioning`.
    """
    height, width, channels = image_shape
    start_h, start_w, halvings = spatial_plan(image_shape, smallest=4)
    widths = check_widths("g_widths", widths or default_generator_widths(halvings))
    if halvings > len(widths):
        raise InputError(
            f"a {height}x{width} generator needs {halvings} upsampling layers but g_widths "
            f"{widths} gives {len(widths)}; pass at least {halvings} widths."
        )
    if conditioning not in G_CONDITIONINGS:
        raise InputError(
            f"g_conditioning must be one of {G_CONDITIONINGS}. Received: {conditioning!r}"
        )
    strides = [1] * (len(widths) - halvings) + [2] * halvings
    # the height of each hidden map: the projection's, then each hidden layer's
    resolutions = [start_h]
    for stride in strides[:-1]:
        resolutions.append(resolutions[-1] * stride)
    check_attention(attention, resolutions, "generator")
    # attend after the last hidden map at that resolution (-1: none)
    attend_at = max((i for i, r in enumerate(resolutions) if r == attention), default=-1)
    init, gamma = dcgan_kernel_init(), dcgan_gamma_init()

    embedding = None
    if num_classes is not None and conditioning == "cbn":
        inputs, x, embedding = shared_embedding_inputs(latent_dim, num_classes)
    else:
        inputs, x = latent_inputs(latent_dim, num_classes)

    def normalize(x):
        if embedding is None:
            return batch_norm(gamma_initializer=gamma)(x)
        return ConditionalBatchNormalization()([x, embedding])

    x = layers.Dense(start_h * start_w * widths[0], use_bias=False, kernel_initializer=init)(x)
    x = layers.Activation(activation)(normalize(x))
    x = layers.Reshape((start_h, start_w, widths[0]))(x)
    if attend_at == 0:
        x = SelfAttention()(x)
    for i, (filters, stride) in enumerate(zip(widths[1:], strides[:-1]), start=1):
        x = layers.Conv2DTranspose(
            filters, kernel_size, stride, padding="same", use_bias=False, kernel_initializer=init
        )(x)
        x = layers.Activation(activation)(normalize(x))
        if attend_at == i:
            x = SelfAttention()(x)
    x = layers.Conv2DTranspose(
        channels, kernel_size, strides[-1], padding="same", kernel_initializer=init
    )(x)
    # float32 output keeps images float32 under mixed precision
    images = layers.Activation("tanh", dtype="float32", name="images")(x)
    return keras.Model(inputs, images, name=name)
