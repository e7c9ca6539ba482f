"""SNGAN (Miyato et al. 2018): ResNets whose discriminator is spectrally normalized, trained
on the hinge loss; with self-attention (Zhang et al. 2019, SAGAN) at one resolution if asked."""

from tfgen.config import SNGANOptions, build_options
from tfgen.models.gan.gan import GAN
from tfgen.models.gan.options import compiled_adversarial
from tfgen.networks.resnet import build_resnet_discriminator, build_resnet_generator


def build_sngan(image_shape, options=None, **settings):
    """A compiled SNGAN (a `GAN` with the ResNets of `tfgen.networks.resnet`) for `image_shape`.

    Defaults (`tfgen.config.SNGANOptions`): hinge loss; Adam betas (0, 0.9); the two time-scale
    update rule (Heusel et al. 2017) as in SAGAN: D 4e-4, G 1e-4, one D step per G step (the
    SNGAN paper's alternative is 2e-4 for both with d_steps=5); latent_dim 128; 32 channels
    per block below 32x32 images (a 28x28 step then costs what a DCGAN's does on a CPU; 64
    costs 3x), 128 from 32x32 (the paper's CIFAR D).

    Args:
        options: a `tfgen.config.SNGANOptions` (or a dict of its settings); None: defaults.
        **settings: settings of `SNGANOptions` applied on top: the networks (latent_dim,
            g_width, d_width, attention, g_spectral_norm) and the adversarial training.

    Raises:
        InputError: an unknown setting, a value its rule refuses, an image size the
            networks cannot halve evenly, or `attention` at a resolution one network lacks.

    Example:
        gan = build_sngan((28, 28, 1), attention=14)
        gan.fit(load_dataset("../shared/data/fashion-mnist", drop_remainder=True), epochs=5)
        images = gan.sample(16, seed=0)
    """
    o = build_options(SNGANOptions, options, settings)
    return compiled_adversarial(
        GAN,
        build_resnet_generator(
            image_shape, o.latent_dim, o.g_width, o.attention, o.g_spectral_norm
        ),
        build_resnet_discriminator(image_shape, o.d_width, o.attention),
        o,
    )
