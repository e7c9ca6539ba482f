"""The DCGAN discriminator: strided convolutions and LeakyReLU ending in one logit."""

import keras
from keras import layers

from tfgen.networks.architecture import (
    batch_norm,
    check_widths,
    dcgan_gamma_init,
    dcgan_kernel_init,
    spatial_plan,
)
from tfgen.networks.attention import SelfAttention, check_attention
from tfgen.networks.conditioning import image_inputs, output_logit


def default_discriminator_widths(halvings):
    """(64, 128) up to 28x28 images; one more, doubled, per extra factor of two."""
    return tuple(64 * 2**i for i in range(max(2, halvings)))


def build_discriminator(
    image_shape,
    widths=None,
    kernel_size=4,
    dropout=0.0,
    batchnorm=True,
    num_classes=None,
    conditioning="projection",
    name="discriminator",
    attention=0,
):
    """images (B, H, W, C) in [-1, 1] [, label (B,)] -> scores (B, 1); for the cross-entropy
    games the score is a logit and D(x) = sigmoid(logit).

    One stride-2 convolution per width, each followed by LeakyReLU(0.2) and optional dropout;
    with `batchnorm`, batch norm follows every convolution but the first (Radford et al. 2016).
    `num_classes` makes it class-conditional (see `tfgen.networks.conditioning`).
    `attention` puts a self-attention block (Zhang et al. 2019) after the convolution whose
    output has this height (0: none).

    Raises:
        InputError: no convolution's output at `attention`.
    """
    _, _, halvings = spatial_plan(image_shape, smallest=4)
    widths = check_widths("d_widths", widths or default_discriminator_widths(halvings))
    # "same" padding, stride 2: each convolution's output height rounds up
    resolutions = [-(-image_shape[0] // 2**i) for i in range(1, len(widths) + 1)]
    check_attention(attention, resolutions, "discriminator")
    init, gamma = dcgan_kernel_init(), dcgan_gamma_init()

    inputs, x, label = image_inputs(image_shape, num_classes, conditioning)
    for i, filters in enumerate(widths):
        # before batch norm a bias has no effect (beta takes its place): it would only drift
        # on Adam-normalised rounding noise
        normed = batchnorm and i > 0
        x = layers.Conv2D(
            filters, kernel_size, 2, padding="same", kernel_initializer=init, use_bias=not normed
        )(x)
        if normed:
            x = batch_norm(gamma_initializer=gamma)(x)
        x = layers.LeakyReLU(0.2)(x)
        if dropout:
            x = layers.Dropout(dropout)(x)
        if resolutions[i] == attention:
            x = SelfAttention()(x)
    features = layers.Flatten()(x)
    logits = output_logit(features, label, num_classes, conditioning, init)
    return keras.Model(inputs, logits, name=name)
