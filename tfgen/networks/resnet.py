"""The ResNet generator and discriminator of SNGAN (Miyato et al. 2018, appendix B.4, the
CIFAR-10 networks), sized to the image, optionally class-conditional (Miyato and Koyama 2018)
and with self-attention at one resolution (Zhang et al. 2019).

G: dense z -> (h0, w0, width), one upsampling block per factor of two, then BN-ReLU-conv3x3
-tanh. D: the "optimized" first block, as many downsampling blocks again as G upsamples (a
28x28 image: 28 -> 14 -> 7, G's 7x7 start), one block at the last resolution (the CIFAR D ends
in two at 8x8, here downsampling mirrors G, so the last resolution is G's start), then ReLU,
global sum pooling and a dense logit. Every layer of D is spectrally normalized; G is only when
asked (SAGAN and BigGAN do it). Kernels keep Keras's Glorot (Xavier) uniform init, as the
paper's code does.
"""

import keras
from keras import layers, ops

from tfgen.errors import InputError
from tfgen.networks.architecture import batch_norm, spatial_plan
from tfgen.networks.attention import SelfAttention, check_attention
from tfgen.networks.conditional_batch_norm import ConditionalBatchNormalization
from tfgen.networks.conditioning import output_logit, shared_embedding_inputs
from tfgen.networks.spectral import spectral


def default_width(image_shape):
    """32 channels per block below 32x32 images, 128 from 32x32 on (the paper's CIFAR D; its
    G has 256). At 28x28, batch 64, 2 busy CPU cores, a 32-wide SNGAN step ran at 46 images/s
    against DCGAN's 48 and a 64-wide one at 15 (`benchmarks/sngan_throughput.py`): 32 gives a
    time budget as many steps as DCGAN gets; `g_width=64 d_width=64` trades steps for width."""
    return 32 if image_shape[0] < 32 else 128


def _conv(filters, kernel_size, sn, use_bias=True):
    return spectral(layers.Conv2D(filters, kernel_size, padding="same", use_bias=use_bias), sn)


def _normalize(x, embedding, sn):
    """Batch norm, or conditional batch norm on the shared class embedding."""
    if embedding is None:
        return batch_norm()(x)
    return ConditionalBatchNormalization(spectral_norm=sn)([x, embedding])


def generator_block(x, filters, embedding=None, spectral_norm=False):
    """(B, h, w, c) -> (B, 2h, 2w, filters): BN-ReLU-upsample-conv3x3-BN-ReLU-conv3x3, plus
    the shortcut upsample-conv1x1. Nearest-neighbour upsampling; with an `embedding` (B, E),
    both batch norms are conditional."""
    shortcut = _conv(filters, 1, spectral_norm)(layers.UpSampling2D(2)(x))
    x = layers.ReLU()(_normalize(x, embedding, spectral_norm))
    x = layers.UpSampling2D(2)(x)
    x = _conv(filters, 3, spectral_norm, use_bias=False)(x)  # batch norm's shift is the bias
    x = layers.ReLU()(_normalize(x, embedding, spectral_norm))
    x = _conv(filters, 3, spectral_norm)(x)
    return layers.Add()([x, shortcut])


def discriminator_block(x, filters, downsample=True, optimized=False, spectral_norm=True):
    """(B, h, w, c) -> (B, h/2, w/2, filters) (or h, w without `downsample`):
    ReLU-conv3x3-ReLU-conv3x3-avgpool, plus the shortcut conv1x1-avgpool (the identity when
    neither the size nor the width changes). The `optimized` first block reads the image: no
    ReLU before its first convolution, and its shortcut pools before the conv1x1."""
    h = x if optimized else layers.ReLU()(x)
    h = _conv(filters, 3, spectral_norm)(h)
    h = _conv(filters, 3, spectral_norm)(layers.ReLU()(h))
    if downsample:
        h = layers.AveragePooling2D(2)(h)
    if optimized:
        shortcut = _conv(filters, 1, spectral_norm)(layers.AveragePooling2D(2)(x))
    elif downsample or x.shape[-1] != filters:
        shortcut = _conv(filters, 1, spectral_norm)(x)
        shortcut = layers.AveragePooling2D(2)(shortcut) if downsample else shortcut
    else:
        shortcut = x
    return layers.Add()([h, shortcut])


@keras.saving.register_keras_serializable(package="tfgen")
class GlobalSumPooling2D(layers.Layer):
    """(B, H, W, C) -> (B, C): the sum over positions, SNGAN's D pooling (a sum, not a mean,
    keeps the logit's scale growing with the image, as in the paper's code)."""

    def call(self, inputs):
        return ops.sum(inputs, axis=(1, 2))

    def compute_output_shape(self, input_shape):
        return (input_shape[0], input_shape[-1])


def build_resnet_generator(
    image_shape,
    latent_dim=128,
    width=None,
    attention=0,
    spectral_norm=False,
    num_classes=None,
    name="generator",
):
    """z (B, latent_dim) [, label (B,)] -> images (B, H, W, C) in [-1, 1].

    Args:
        image_shape: (H, W, C); 8x8 starts at 4x4 (1 block), 28x28 at 7x7 (2), 32x32 at 4x4
            (3), 64x64 at 4x4 (4).
        width: channels of every block (None: `default_width`).
        attention: a self-attention block after the layer at this resolution (its height;
            the start or any block's output), 0 for none.
        spectral_norm: spectral normalization on every layer of G (SAGAN, BigGAN).
        num_classes: makes G class-conditional: a second input `label`, whose shared
            embedding (BigGAN) drives conditional batch norm in every block; z is not
            concatenated with it (Miyato and Koyama 2018). The last batch norm stays plain.

    Raises:
        InputError: an image size `spatial_plan` refuses, or no layer at `attention`.
    """
    start_h, start_w, halvings = spatial_plan(image_shape, smallest=4)
    width = _check_width("g_width", width or default_width(image_shape))
    resolutions = [start_h * 2**i for i in range(halvings + 1)]
    check_attention(attention, resolutions, "generator")

    if num_classes is None:
        inputs = z = keras.Input((latent_dim,), name="z")
        embedding = None
    else:
        inputs, z, embedding = shared_embedding_inputs(latent_dim, num_classes)
    x = spectral(layers.Dense(start_h * start_w * width), spectral_norm)(z)
    x = layers.Reshape((start_h, start_w, width))(x)
    for resolution in resolutions:
        if resolution > start_h:
            x = generator_block(x, width, embedding, spectral_norm)
        if resolution == attention:
            x = SelfAttention(spectral_norm=spectral_norm)(x)
    x = layers.ReLU()(batch_norm()(x))
    x = _conv(image_shape[-1], 3, spectral_norm)(x)
    # float32 output keeps images float32 under mixed precision
    images = layers.Activation("tanh", dtype="float32", name="images")(x)
    return keras.Model(inputs, images, name=name)


def build_resnet_discriminator(
    image_shape,
    width=None,
    attention=0,
    spectral_norm=True,
    num_classes=None,
    name="discriminator",
):
    """images (B, H, W, C) in [-1, 1] [, label (B,)] -> scores (B, 1).

    Args:
        width: channels of every block (None: `default_width`).
        attention: a self-attention block after the block that reaches this resolution (the
            height of any downsampling block's output), 0 for none.
        spectral_norm: on every convolution, the logit and the projection (SNGAN; off only
            for ablations).
        num_classes: makes D a projection discriminator (Miyato and Koyama 2018): the logit
            plus <embed(y), h>, h the pooled features, the embedding spectrally normalized.

    Raises:
        InputError: an image size `spatial_plan` refuses, or no layer at `attention`.
    """
    _, _, halvings = spatial_plan(image_shape, smallest=4)
    width = _check_width("d_width", width or default_width(image_shape))
    resolutions = [image_shape[0] // 2**i for i in range(1, halvings + 1)]
    check_attention(attention, resolutions, "discriminator")

    images = keras.Input(tuple(image_shape), name="images")
    inputs, label = images, None
    if num_classes is not None:
        label = keras.Input((), dtype="int32", name="label")
        inputs = [images, label]
    x = images
    for i, resolution in enumerate(resolutions):
        x = discriminator_block(x, width, optimized=i == 0, spectral_norm=spectral_norm)
        if resolution == attention:
            x = SelfAttention(spectral_norm=spectral_norm)(x)
    x = discriminator_block(x, width, downsample=False, spectral_norm=spectral_norm)
    features = GlobalSumPooling2D()(layers.ReLU()(x))  # (B, width)
    logits = output_logit(
        features, label, num_classes, "projection", "glorot_uniform", spectral_norm
    )
    return keras.Model(inputs, logits, name=name)


def _check_width(name, width):
    if not isinstance(width, int) or isinstance(width, bool) or width < 1:
        raise InputError(f"{name} must be a positive integer. Received: {name}={width!r}")
    return width
