"""WGAN-GP (Gulrajani et al. 2017): a Wasserstein critic kept 1-Lipschitz by a gradient penalty."""

from tfgen.config import WGANGPOptions, build_options
from tfgen.models.gan.gan import GAN
from tfgen.models.gan.options import compiled_adversarial
from tfgen.networks.dcgan_discriminator import build_discriminator
from tfgen.networks.dcgan_generator import build_generator


def build_wgan_gp(image_shape, options=None, **settings):
    """A compiled WGAN-GP with DCGAN-style networks; `options` a `tfgen.config.WGANGPOptions`
    (the paper's Algorithm 1 by default: lambda = 10, n_critic = 5, Adam(1e-4, 0, 0.9)), with
    `settings` applied on top.

    The critic has no batch norm: the penalty constrains each input's gradient on its own,
    which batch statistics would couple across the batch. The interpolation coefficient is
    drawn from U(0, 1) per example and the penalty is computed in float32.
    """
    o = build_options(WGANGPOptions, options, settings)
    return compiled_adversarial(
        GAN,
        build_generator(
            image_shape, o.latent_dim, o.g_widths, o.kernel_size, attention=o.attention
        ),
        build_discriminator(
            image_shape,
            o.d_widths,
            o.kernel_size,
            dropout=0.0,
            batchnorm=False,
            name="critic",
            attention=o.attention,
        ),
        o,
    )
