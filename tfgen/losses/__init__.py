"""Losses as small pure functions returning one value per example."""

from tfgen.losses.adversarial import (
    GENERATOR_LOSSES,
    discriminator_loss,
    minimax_generator_loss,
    non_saturating_generator_loss,
)
from tfgen.losses.autoencoder import (
    RECONSTRUCTION_LOSSES,
    binary_cross_entropy,
    kl_sparsity_penalty,
    l1_activity_penalty,
    mean_squared_error,
)
from tfgen.losses.vae import bernoulli_nll, gaussian_kl, gaussian_nll

__all__ = [
    "GENERATOR_LOSSES",
    "RECONSTRUCTION_LOSSES",
    "binary_cross_entropy",
    "kl_sparsity_penalty",
    "l1_activity_penalty",
    "mean_squared_error",
    "bernoulli_nll",
    "discriminator_loss",
    "gaussian_kl",
    "gaussian_nll",
    "minimax_generator_loss",
    "non_saturating_generator_loss",
]
