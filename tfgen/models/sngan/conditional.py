"""The class-conditional SNGAN (Miyato and Koyama 2018): a projection discriminator, and a
generator whose every block's batch norm is conditional on a shared class embedding."""

from tfgen.config import ConditionalSNGANOptions, build_options
from tfgen.models.cgan.cgan import ConditionalGAN
from tfgen.models.gan.options import compiled_adversarial
from tfgen.networks.resnet import build_resnet_discriminator, build_resnet_generator


def build_conditional_sngan(image_shape, options=None, *, num_classes, **settings):
    """A compiled `ConditionalGAN` with SNGAN's ResNets, conditioned on `num_classes` labels.

    G: conditional batch norm (de Vries et al. 2017) in every residual block, its gamma and
    beta projected from one shared class embedding (Brock et al. 2019), z not concatenated
    with the label (Miyato and Koyama 2018). D: spectrally normalized, its logit plus
    <embed(y), h> (the projection, the embedding normalized too). The options and their
    defaults are SNGAN's (`tfgen.config.ConditionalSNGANOptions`).

    Raises:
        InputError: as `build_sngan`.

    Example:
        gan = build_conditional_sngan((28, 28, 1), num_classes=10)
        gan.fit(load_dataset("../shared/data/fashion-mnist", drop_remainder=True), epochs=5)
        shirts = gan.sample(16, labels=6)
    """
    o = build_options(ConditionalSNGANOptions, options, settings)
    return compiled_adversarial(
        ConditionalGAN,
        build_resnet_generator(
            image_shape,
            o.latent_dim,
            o.g_width,
            o.attention,
            o.g_spectral_norm,
            num_classes=num_classes,
        ),
        build_resnet_discriminator(image_shape, o.d_width, o.attention, num_classes=num_classes),
        o,
        num_classes=num_classes,
    )
