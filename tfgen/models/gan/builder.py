"""The original GAN (Goodfellow et al. 2014): the adversarial game with MLP networks."""

from tfgen.config import GANOptions, build_options
from tfgen.models.gan.gan import GAN
from tfgen.models.gan.options import compiled_adversarial
from tfgen.networks.mlp import build_mlp_discriminator, build_mlp_generator


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
