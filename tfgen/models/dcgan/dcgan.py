"""DCGAN (Radford et al. 2016): the adversarial game of Goodfellow et al. 2014 with conv nets."""

from tfgen.config import DCGANOptions, build_options
from tfgen.models.gan.gan import GAN
from tfgen.models.gan.options import compiled_adversarial
from tfgen.networks.dcgan_discriminator import build_discriminator
from tfgen.networks.dcgan_generator import build_generator


def build_dcgan(image_shape, options=None, **settings):
    """A compiled DCGAN (a `GAN` with convolutional networks) sized for `image_shape` (H, W, C).

    Defaults follow Radford et al. 2016: Adam 2e-4 with beta_1 0.5, N(0, 0.02) init, ReLU in G,
    LeakyReLU(0.2) and batch norm in D. Batch norm in D matters on small data: without it the
    8x8 digits generator collapsed to one image (pairwise sample distance 0.09 vs 2.99 for real
    digits after 30 epochs), with it the samples were as diverse as the data (2.96).
    The TensorFlow tutorial's D is `d_batchnorm=False, d_dropout=0.3`.

    Args:
        options: a `tfgen.config.DCGANOptions` (or a dict of its settings); None: defaults.
        **settings: settings of `DCGANOptions` applied on top: the networks (latent_dim,
            g_widths, d_widths, kernel_size, g_activation, d_dropout, d_batchnorm, attention:
            self-attention of Zhang et al. 2019 at one resolution in both) and the
            adversarial training (loss, d_steps, label smoothing and noise, penalties, EMA,
            learning rates and Adam betas for D and G, seed).

    Raises:
        InputError: an unknown setting or a value its rule refuses.

    Example:
        gan = build_dcgan((28, 28, 1), ema_decay=0.999)
        gan.fit(load_dataset("../shared/data/mnist", drop_remainder=True), epochs=5)
        images = gan.sample(16, seed=0)
    """
    o = build_options(DCGANOptions, options, settings)
    return compiled_adversarial(
        GAN,
        build_generator(
            image_shape,
            o.latent_dim,
            o.g_widths,
            o.kernel_size,
            o.g_activation,
            attention=o.attention,
        ),
        build_discriminator(
            image_shape,
            o.d_widths,
            o.kernel_size,
            o.d_dropout,
            o.d_batchnorm,
            attention=o.attention,
        ),
        o,
    )
