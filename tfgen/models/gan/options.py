"""The training options every adversarial model accepts, with per-model defaults."""

from tfgen.errors import InputError
from tfgen.models.optimizers import adam

# Radford et al. 2016 for the optimisers; the non-saturating game of Goodfellow et al. 2014.
ADVERSARIAL_DEFAULTS = {
    "loss": "non_saturating",
    "d_steps": 1,
    "label_smoothing": 0.0,
    "label_noise": 0.0,
    "gradient_penalty": 0.0,
    "one_sided_penalty": False,
    "r1_gamma": 0.0,
    "d_adversarial_eps": 0.0,
    "ema_decay": 0.0,
    "truncation_method": "scale",
    "d_learning_rate": 2e-4,
    "g_learning_rate": 2e-4,
    "d_beta_1": 0.5,
    "d_beta_2": 0.999,
    "g_beta_1": 0.5,
    "g_beta_2": 0.999,
    "seed": 0,
}
_OPTIMIZER_KEYS = (
    "d_learning_rate",
    "g_learning_rate",
    "d_beta_1",
    "d_beta_2",
    "g_beta_1",
    "g_beta_2",
)


def with_defaults(**overrides):
    """ADVERSARIAL_DEFAULTS with a model's own defaults."""
    return {**ADVERSARIAL_DEFAULTS, **overrides}


def compiled_adversarial(model_class, generator, discriminator, defaults, given, **extra):
    """Builds `model_class(generator, discriminator, ...)` and compiles its two Adam optimizers.

    Raises:
        InputError: an option the model does not know.
    """
    unknown = sorted(set(given) - set(defaults))
    if unknown:
        raise InputError(f"unknown option(s) {unknown}; accepted: {sorted(defaults)}")
    options = {**defaults, **given}
    model_options = {k: v for k, v in options.items() if k not in _OPTIMIZER_KEYS}
    model = model_class(generator, discriminator, **model_options, **extra)
    model.compile(
        d_optimizer=adam(options["d_learning_rate"], options["d_beta_1"], options["d_beta_2"]),
        g_optimizer=adam(options["g_learning_rate"], options["g_beta_1"], options["g_beta_2"]),
    )
    return model
