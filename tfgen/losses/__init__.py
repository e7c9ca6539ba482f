"""Losses as small pure functions returning one value per example."""

from tfgen.losses.adversarial import (
    ADVERSARIAL_LOSSES,
    AdversarialLoss,
    bce_discriminator_loss,
    hinge_discriminator_loss,
    hinge_generator_loss,
    least_squares_discriminator_loss,
    least_squares_generator_loss,
    minimax_generator_loss,
    non_saturating_generator_loss,
    wasserstein_discriminator_loss,
    wasserstein_generator_loss,
)
from tfgen.losses.autoencoder import (
    RECONSTRUCTION_LOSSES,
    binary_cross_entropy,
    kl_sparsity_penalty,
    l1_activity_penalty,
    mean_squared_error,
)
from tfgen.losses.penalties import gradient_penalty, r1_penalty
from tfgen.losses.vae import bernoulli_nll, gaussian_kl, gaussian_nll

__all__ = [
    "ADVERSARIAL_LOSSES",
    "RECONSTRUCTION_LOSSES",
    "AdversarialLoss",
    "bce_discriminator_loss",
    "bernoulli_nll",
    "binary_cross_entropy",
    "gaussian_kl",
    "gaussian_nll",
    "gradient_penalty",
    "hinge_discriminator_loss",
    "hinge_generator_loss",
    "kl_sparsity_penalty",
    "l1_activity_penalty",
    "least_squares_discriminator_loss",
    "least_squares_generator_loss",
    "mean_squared_error",
    "minimax_generator_loss",
    "non_saturating_generator_loss",
    "r1_penalty",
    "wasserstein_discriminator_loss",
    "wasserstein_generator_loss",
]
