"""WGAN-GP (Gulrajani et al. 2017): a Wasserstein critic kept 1-Lipschitz by a gradient penalty."""

from tfgen.models.gan.gan import GAN
from tfgen.models.gan.options import compiled_adversarial, with_defaults
from tfgen.networks.dcgan_discriminator import build_discriminator
from tfgen.networks.dcgan_generator import build_generator

# The paper's Algorithm 1: lambda = 10, n_critic = 5, Adam(1e-4, beta_1 = 0, beta_2 = 0.9).
WGAN_GP_OPTIONS = with_defaults(
    loss="wasserstein",
    gradient_penalty=10.0,
    d_steps=5,
    d_learning_rate=1e-4,
    g_learning_rate=1e-4,
    d_beta_1=0.0,
    d_beta_2=0.9,
    g_beta_1=0.0,
    g_beta_2=0.9,
)


def build_wgan_gp(
    image_shape, *, latent_dim=128, g_widths=None, d_widths=None, kernel_size=4, **options
):
    """A compiled WGAN-GP with DCGAN-style networks.

    The critic has no batch norm: the penalty constrains each input's gradient on its own,
    which batch statistics would couple across the batch. The interpolation coefficient is
    drawn from U(0, 1) per example and the penalty is computed in float32.
    """
    return compiled_adversarial(
        GAN,
        build_generator(image_shape, latent_dim, g_widths, kernel_size),
        build_discriminator(
            image_shape, d_widths, kernel_size, dropout=0.0, batchnorm=False, name="critic"
        ),
        WGAN_GP_OPTIONS,
        options,
    )
