"""One options class per model family: every setting `tfgen train MODEL --set` accepts, with its
default, its rule and its meaning, stated once.

Shared parts are composed by inheritance: `TwoOptimizers` (both Adam optimizers of adversarial
models), `AdversarialGame` (how D and G play), `AdversarialOptions` (both), `AutoencoderOptions`
(the autoencoder family's networks and training). A family that differs only in defaults says
so with `redefault` (WGAN-GP). Choices are spelled here, without TensorFlow; a test keeps them
in step with the tables they name (`tfgen.losses.ADVERSARIAL_LOSSES` ...).
"""

import dataclasses

from tfgen.config.settings import (
    Settings,
    choice,
    flag,
    integer,
    integers,
    number,
    redefault,
    subset,
    validate,
)
from tfgen.errors import InputError

# The keys of tfgen.losses.ADVERSARIAL_LOSSES; the first two play on cross-entropy targets.
ADVERSARIAL_LOSS_NAMES = ("non_saturating", "minimax", "wasserstein", "hinge", "least_squares")
CROSS_ENTROPY_LOSSES = ("non_saturating", "minimax")
UNCALIBRATED_LOSSES = ("wasserstein",)  # no fixed decision threshold on D's output
AUGMENT_POLICIES = ("color", "translation", "cutout")  # tfgen.ops.augment.POLICIES
RECONSTRUCTION_LOSS_NAMES = ("bce", "mse")  # tfgen.losses.RECONSTRUCTION_LOSSES
TRUNCATION_METHODS = ("scale", "resample")  # tfgen.ops.sampling.TRUNCATION_METHODS
ARCHITECTURES = ("conv", "dense")  # tfgen.networks.encoder.ARCHITECTURES
CONDITIONINGS = ("projection", "concat")  # tfgen.networks.conditioning.CONDITIONINGS
G_CONDITIONINGS = ("concat", "cbn")  # tfgen.networks.conditioning.G_CONDITIONINGS
NOISES = ("gaussian", "masking", "salt_and_pepper")  # tfgen.models.autoencoder.NOISES
LIKELIHOODS = ("bernoulli", "gaussian")  # tfgen.models.vae.vae.LIKELIHOODS
SPARSITY_PENALTIES = ("kl", "l1")  # tfgen.models.autoencoder.sparse.SPARSITY_PENALTIES
ACTIVATIONS = ("relu", "leaky_relu", "elu", "selu", "gelu", "silu", "tanh")  # Keras names


def _seed():
    return integer(0, "seeds the model's training noise (default: the run's --seed)", minimum=None)


def _learning_rate(default, who="Adam"):
    return number(default, f"{who} learning rate", above=0)


def _beta(default, meaning):
    return number(default, meaning, at_least=0, below=1)


def _adversarial_loss(default="non_saturating"):
    return choice(default, ADVERSARIAL_LOSS_NAMES, "the adversarial game (tfgen.losses)")


# ---- adversarial models ----------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class TwoOptimizers(Settings):
    """The Adam optimizers of D and G (Radford et al. 2016: 2e-4, beta_1 0.5)."""

    d_learning_rate: float = _learning_rate(2e-4, "D's Adam")
    g_learning_rate: float = _learning_rate(2e-4, "G's Adam")
    d_beta_1: float = _beta(0.5, "D's Adam beta_1")
    d_beta_2: float = _beta(0.999, "D's Adam beta_2")
    g_beta_1: float = _beta(0.5, "G's Adam beta_1")
    g_beta_2: float = _beta(0.999, "G's Adam beta_2")


@dataclasses.dataclass(frozen=True)
class AdversarialGame(Settings):
    """How D and G play: the settings `tfgen.models.GAN` itself reads (see its docstring)."""

    loss: str = _adversarial_loss()
    d_steps: int = integer(1, "discriminator updates per generator update (k)")
    label_smoothing: float = number(
        0.0, "one-sided: D's target for real images is 1 - s", at_least=0, below=0.5
    )
    label_noise: float = number(
        0.0, "fraction of D's targets flipped at random each step", at_least=0, below=0.5
    )
    gradient_penalty: float = number(
        0.0, "weight of the gradient penalty on interpolates (WGAN-GP: 10)", at_least=0
    )
    one_sided_penalty: bool = flag(False, "penalise only gradient norms above 1")
    r1_gamma: float = number(0.0, "gamma of the R1 penalty on real images", at_least=0)
    d_adversarial_eps: float = number(
        0.0, "> 0 trains D on FGSM-perturbed inputs of this size", at_least=0
    )
    ema_decay: float = number(
        0.0, "> 0 samples from a moving average of G's weights", at_least=0, below=1
    )
    truncation_method: str = choice(
        "scale", TRUNCATION_METHODS, "how sampling truncates latents below psi = 1"
    )
    seed: int = _seed()
    augment: str = subset(
        "", AUGMENT_POLICIES, "DiffAugment policies on every image D trains on ('': none)"
    )
    augment_p: float = number(
        1.0, "probability of each augmentation per image, without ADA", at_least=0, at_most=1
    )
    ada_target: float = number(
        0.0, "> 0: ADA adapts p so E[sign D(real)] stays near it (paper: 0.6)", at_least=0, below=1
    )
    ada_interval: int = integer(4, "steps between two updates of ADA's p")
    ada_kimg: float = number(100.0, "thousands of images ADA's p takes to move by 1", above=0)
    r1_interval: int = integer(1, "lazy R1: the R1 penalty every N steps, weighted by N")

    def check(self):
        super().check()
        if (self.label_smoothing or self.label_noise) and self.loss not in CROSS_ENTROPY_LOSSES:
            raise InputError(
                "label_smoothing and label_noise change cross-entropy targets; the "
                f"{self.loss!r} loss has none. Use loss=non_saturating or minimax, or drop them."
            )
        self._check_augmentation()
        if self.r1_interval > 1 and not self.r1_gamma:
            raise InputError(
                "r1_interval spaces the R1 penalty out, and r1_gamma = 0 turns it off. Set "
                f"r1_gamma, or drop r1_interval. Received: r1_interval={self.r1_interval}"
            )

    def _check_augmentation(self):
        if self.ada_target and not self.augment:
            raise InputError(
                "ada_target adapts the probability of the augmentations, and augment names "
                "none: set e.g. augment=color,translation,cutout. "
                f"Received: ada_target={self.ada_target}, augment=''"
            )
        if self.ada_target and self.loss in UNCALIBRATED_LOSSES:
            raise InputError(
                f"ada_target reads the sign of D's output, which the {self.loss!r} critic does "
                "not calibrate. Use another loss (ADA: non_saturating), or drop ada_target. "
                f"Received: loss={self.loss!r}"
            )
        if self.augment_p != 1.0 and (self.ada_target or not self.augment):
            why = "ADA adapts p itself, from 0" if self.ada_target else "augment names none"
            raise InputError(
                f"augment_p is the fixed probability of the augmentations; {why}. "
                f"Drop augment_p. Received: augment_p={self.augment_p}"
            )


@dataclasses.dataclass(frozen=True)
class AdversarialOptions(TwoOptimizers, AdversarialGame):
    """The training settings every GAN family shares: the game and both optimizers."""


# Dataclasses collect the fields of the last base first: architecture, game, optimizers.


@dataclasses.dataclass(frozen=True)
class _MLPNetworks(Settings):
    latent_dim: int = integer(100, "size of the latent vector z")
    g_widths: tuple = integers((256, 512, 1024), "G's dense layer widths")
    d_widths: tuple = integers((512, 256), "D's dense layer widths")
    d_dropout: float = number(0.3, "dropout after each of D's layers", at_least=0, below=1)


@dataclasses.dataclass(frozen=True)
class GANOptions(AdversarialOptions, _MLPNetworks):
    """`gan`: the original GAN (Goodfellow et al. 2014) with multilayer perceptrons."""

    family = "gan"


def _attention():
    return integer(
        0,
        "self-attention (Zhang et al. 2019) in G and D at this feature-map height, e.g. 14 "
        "for 28x28 images, 16 for 32x32 (0: none)",
        minimum=0,
    )


@dataclasses.dataclass(frozen=True)
class _ConvNetworks(Settings):
    latent_dim: int = integer(100, "size of the latent vector z")
    g_widths: tuple = integers(None, "G's projection and transposed-convolution filters")
    d_widths: tuple = integers(None, "D's convolution filters")
    kernel_size: int = integer(4, "convolution kernel size of G and D")
    attention: int = _attention()


@dataclasses.dataclass(frozen=True)
class _DCGANNetworks(_ConvNetworks):
    g_activation: str = choice("relu", ACTIVATIONS, "G's hidden activation")
    d_dropout: float = number(0.0, "dropout after each of D's layers", at_least=0, below=1)
    d_batchnorm: bool = flag(True, "batch norm in D after every convolution but the first")


@dataclasses.dataclass(frozen=True)
class DCGANOptions(AdversarialOptions, _DCGANNetworks):
    """`dcgan`: Radford et al. 2016; widths auto-sized to the image."""

    family = "dcgan"


@dataclasses.dataclass(frozen=True)
class _CGANNetworks(_ConvNetworks):
    conditioning: str = choice(
        "projection", CONDITIONINGS, "how D sees the label: projection or a concatenated plane"
    )
    d_batchnorm: bool = flag(True, "batch norm in D after every convolution but the first")
    g_conditioning: str = choice(
        "cbn",  # 1.9x lower FID than "concat" on Fashion-MNIST (benchmarks/fashion_quality)
        G_CONDITIONINGS,
        "how G sees the label: its embedding concatenated to z, or cbn (conditional batch "
        "norm on a shared class embedding)",
    )


@dataclasses.dataclass(frozen=True)
class CGANOptions(AdversarialOptions, _CGANNetworks):
    """`cgan`: the class-conditional DCGAN (Mirza and Osindero 2014)."""

    family = "cgan"
    # what a saved file without the key was built with: "concat" was the default until
    # conditional batch norm measured better
    saved_before = {"g_conditioning": "concat"}


@dataclasses.dataclass(frozen=True)
class WGANGPOptions(AdversarialOptions, _ConvNetworks):
    """`wgan_gp`: Gulrajani et al. 2017, Algorithm 1: lambda = 10, n_critic = 5,
    Adam(1e-4, beta_1 = 0, beta_2 = 0.9); the critic has no batch norm."""

    family = "wgan_gp"
    latent_dim: int = redefault(128)
    loss: str = redefault("wasserstein")
    gradient_penalty: float = redefault(10.0)
    d_steps: int = redefault(5)
    d_learning_rate: float = redefault(1e-4)
    g_learning_rate: float = redefault(1e-4)
    d_beta_1: float = redefault(0.0)
    d_beta_2: float = redefault(0.9)
    g_beta_1: float = redefault(0.0)
    g_beta_2: float = redefault(0.9)


@dataclasses.dataclass(frozen=True)
class _ResNetNetworks(Settings):
    latent_dim: int = integer(128, "size of the latent vector z")
    g_width: int = integer(
        None, "channels of G's residual blocks (auto: 32 below 32x32 images, else 128)"
    )
    d_width: int = integer(
        None, "channels of D's residual blocks (auto: 32 below 32x32 images, else 128)"
    )
    attention: int = _attention()
    g_spectral_norm: bool = flag(
        False, "spectral normalization in G too (SAGAN, BigGAN); D always has it"
    )


@dataclasses.dataclass(frozen=True)
class SNGANOptions(AdversarialOptions, _ResNetNetworks):
    """`sngan`: Miyato et al. 2018, the CIFAR ResNets with spectral normalization in D and the
    hinge loss; TTUR (Heusel et al. 2017): D 4e-4, G 1e-4, one D step per G step, Adam betas
    (0, 0.9), SAGAN's setting (Zhang et al. 2019). The SNGAN paper's own: 2e-4 for both with
    d_steps=5 (`--set d_learning_rate=2e-4 g_learning_rate=2e-4 d_steps=5`), five times the
    D updates per G update, so slower on a CPU."""

    family = "sngan"
    loss: str = redefault("hinge")
    d_learning_rate: float = redefault(4e-4)
    g_learning_rate: float = redefault(1e-4)
    d_beta_1: float = redefault(0.0)
    d_beta_2: float = redefault(0.9)
    g_beta_1: float = redefault(0.0)
    g_beta_2: float = redefault(0.9)


@dataclasses.dataclass(frozen=True)
class ConditionalSNGANOptions(SNGANOptions):
    """`conditional_sngan`: SNGAN with a projection discriminator (Miyato and Koyama 2018)
    and conditional batch norm in every block of G, on a shared class embedding (BigGAN)."""

    family = "conditional_sngan"


# ---- autoencoders, VAEs, the classifier -------------------------------------------------------
# Each family composes the settings its model reads (a class the model validates on its own
# when built by hand) with the settings of its networks and its optimizer.


def _architecture():
    return choice("conv", ARCHITECTURES, "conv: convolutions; dense: multilayer perceptron")


def _widths():
    return integers(
        None, "encoder layer widths, mirrored by the decoder (auto: conv 32,64; dense 512,256)"
    )


def _hidden():
    return integer(256, "units of the conv encoder's dense layer (and the decoder's first)")


@dataclasses.dataclass(frozen=True)
class ReconstructionOptions(Settings):
    """What `tfgen.models.Autoencoder` reads."""

    reconstruction_loss: str = choice(
        "bce", RECONSTRUCTION_LOSS_NAMES, "per-pixel reconstruction error"
    )
    seed: int = _seed()


@dataclasses.dataclass(frozen=True)
class _AutoencoderNetworks(Settings):
    code_size: int = integer(32, "size of the bottleneck code")
    architecture: str = _architecture()
    widths: tuple = _widths()
    hidden: int = _hidden()


@dataclasses.dataclass(frozen=True)
class AutoencoderOptions(ReconstructionOptions, _AutoencoderNetworks):
    """`ae`: the undercomplete autoencoder."""

    family = "ae"
    learning_rate: float = _learning_rate(1e-3)


@dataclasses.dataclass(frozen=True)
class SparseCodeOptions(ReconstructionOptions):
    """What `tfgen.models.SparseAutoencoder` reads."""

    sparsity: str = choice("kl", SPARSITY_PENALTIES, "the code-activation penalty")
    sparsity_weight: float = number(
        None, "weight of the penalty (auto: kl 0.003, l1 1e-4)", at_least=0
    )
    target_activation: float = number(
        0.05, "rho, the mean activation kl pulls each code unit to", above=0, below=1
    )


@dataclasses.dataclass(frozen=True)
class SparseAutoencoderOptions(SparseCodeOptions, AutoencoderOptions):
    """`sparse_ae`: a penalty on the code's activations; a sigmoid code for kl, ReLU for l1."""

    family = "sparse_ae"
    code_size: int = redefault(128)


@dataclasses.dataclass(frozen=True)
class CorruptionOptions(ReconstructionOptions):
    """What `tfgen.models.DenoisingAutoencoder` reads."""

    noise: str = choice("gaussian", NOISES, "the corruption drawn at every step")
    noise_level: float = number(
        0.5, "gaussian: sigma; masking, salt_and_pepper: the fraction of pixels hit", above=0
    )

    def check(self):
        super().check()
        if self.noise != "gaussian" and not self.noise_level < 1:
            raise InputError(
                f"noise_level for {self.noise} noise must be a fraction in (0, 1). "
                f"Received: noise_level={self.noise_level!r}"
            )


@dataclasses.dataclass(frozen=True)
class DenoisingAutoencoderOptions(CorruptionOptions, AutoencoderOptions):
    """`denoising_ae`: reconstruct clean images from corrupted ones (Vincent et al. 2008)."""

    family = "denoising_ae"
    code_size: int = redefault(64)


@dataclasses.dataclass(frozen=True)
class VariationalOptions(Settings):
    """What `tfgen.models.VAE` reads."""

    likelihood: str = choice("bernoulli", LIKELIHOODS, "the decoder's p(x | z)")
    decoder_std: float = number(0.1, "the fixed sigma of the gaussian likelihood", above=0)
    binarize: bool = flag(False, "train on fresh Bernoulli draws of the grey levels")
    beta: float = number(1.0, "weight of the KL term (1: the ELBO)", at_least=0)
    kl_warmup_steps: int = integer(
        0, "steps over which the KL weight ramps from 0 to beta (0: none)", minimum=0
    )
    seed: int = _seed()

    def check(self):
        super().check()
        if self.binarize and self.likelihood != "bernoulli":
            raise InputError("binarize=True models binary pixels: it needs likelihood='bernoulli'.")


@dataclasses.dataclass(frozen=True)
class _VAENetworks(Settings):
    latent_dim: int = integer(16, "size of the latent vector z")
    architecture: str = _architecture()
    widths: tuple = _widths()
    hidden: int = _hidden()


@dataclasses.dataclass(frozen=True)
class VAEOptions(VariationalOptions, _VAENetworks):
    """`vae`: the variational autoencoder (Kingma and Welling 2014), beta-weighted KL."""

    family = "vae"
    learning_rate: float = _learning_rate(1e-3)


@dataclasses.dataclass(frozen=True)
class VAEGANGame(Settings):
    """What `tfgen.models.VAEGAN` reads."""

    beta: float = number(1.0, "weight of the KL term", at_least=0)
    adversarial_weight: float = number(1.0, "lambda, weight of the adversarial term", at_least=0)
    loss: str = _adversarial_loss()
    seed: int = _seed()


@dataclasses.dataclass(frozen=True)
class _VAEGANNetworks(Settings):
    latent_dim: int = integer(32, "size of the latent vector z")
    widths: tuple = integers(None, "encoder conv widths, mirrored by the decoder (auto: 32,64)")
    hidden: int = _hidden()
    d_widths: tuple = integers(None, "D's convolution filters")


@dataclasses.dataclass(frozen=True)
class VAEGANOptions(TwoOptimizers, VAEGANGame, _VAEGANNetworks):
    """`vaegan`: a VAE whose decoder is also a GAN's generator (Larsen et al. 2016); G's
    optimizer updates the encoder and decoder."""

    family = "vaegan"


@dataclasses.dataclass(frozen=True)
class AdversarialTrainingOptions(Settings):
    """What `tfgen.models.Classifier` reads."""

    adversarial_ratio: float = number(
        0.0, "r: the loss is (1 - r) clean + r FGSM cross-entropy", at_least=0, at_most=1
    )
    adversarial_eps: float = number(0.25, "FGSM step size, in [0, 1] pixel units", above=0)
    seed: int = _seed()


@dataclasses.dataclass(frozen=True)
class _ClassifierNetwork(Settings):
    widths: tuple = integers((32, 64, 128), "convolution filters")
    feature_dim: int = integer(128, "size of the feature layer (FID/KID features)")
    dropout: float = number(0.3, "dropout before the logits", at_least=0, below=1)


@dataclasses.dataclass(frozen=True)
class ClassifierOptions(AdversarialTrainingOptions, _ClassifierNetwork):
    """`classifier`: the CNN behind the sample metrics and FGSM attacks."""

    family = "classifier"
    learning_rate: float = _learning_rate(1e-3)


# ---- the catalogue ---------------------------------------------------------------------------

MODEL_OPTIONS = {
    cls.family: cls
    for cls in (
        AutoencoderOptions,
        SparseAutoencoderOptions,
        DenoisingAutoencoderOptions,
        VAEOptions,
        GANOptions,
        DCGANOptions,
        CGANOptions,
        WGANGPOptions,
        SNGANOptions,
        ConditionalSNGANOptions,
        VAEGANOptions,
        ClassifierOptions,
    )
}


def options_class(name):
    """The options class of model `name`.

    Raises:
        InputError: an unknown model name.
    """
    if name not in MODEL_OPTIONS:
        raise InputError(
            f"unknown model: expected one of {sorted(MODEL_OPTIONS)}. Received: {name!r}"
        )
    return MODEL_OPTIONS[name]


def model_options(name, hparams=None):
    """The validated options object of model `name` from raw `hparams` (defaults elsewhere)."""
    return validate(options_class(name), hparams or {})


def resolve_settings(name, hparams=None):
    """Every setting of model `name`: `hparams` validated, the rest defaulted; JSON-able.

    Raises:
        InputError: an unknown model or setting, or a value its setting refuses.

    Example:
        resolve_settings("dcgan", {"latent_dim": 8.0})["latent_dim"]  # 8
    """
    return model_options(name, hparams).to_dict()


def settings_table(name):
    """[(name, type, default, meaning)] for every setting of model `name`."""
    return options_class(name).table()


def build_options(cls, options=None, settings=None):
    """The validated options a `build_*` function works from: `options` (an instance of
    `cls` or a dict of raw values; None: the defaults) with `settings` (raw keyword values)
    applied on top.

    Raises:
        InputError: an unknown setting, a value its rule refuses, or options of another class.
    """
    options = validate(cls, {} if options is None else options)
    return options.replace(**settings) if settings else options


def constructor_options(base, options, kwargs):
    """(options, the other kwargs) for a model constructor `Model(networks, options, **kwargs)`.

    Args:
        base: the settings class the model reads (`AdversarialGame` for `GAN`); a family's
            options class derives from it.
        options: None (defaults), an instance of `base` (or of a family's class deriving
            from it), or a dict as `get_config` saved it, read as the class of
            `kwargs["family"]` (else `base`).
        kwargs: the constructor's keyword arguments; those naming settings of `base`
            override `options` (`GAN(g, d, ema_decay=0.9)`, and the top-level keys of models
            saved before options existed), the rest are Keras's (name, dtype, trainable).

    Raises:
        InputError: an options object of another kind, or a bad value.
    """
    kwargs = dict(kwargs)
    family = kwargs.pop("family", None)
    given = {name: kwargs.pop(name) for name in base.names() if name in kwargs}
    if options is None:
        return base(**given), kwargs
    if isinstance(options, dict):  # as a saved file has them
        kind = MODEL_OPTIONS.get(family, base)
        options = validate(kind, {**getattr(kind, "saved_before", {}), **options})
    if not isinstance(options, base):
        raise InputError(
            f"options must be a {base.__name__} (or a family's options deriving from it). "
            f"Received: {type(options).__name__}"
        )
    return (options.replace(**given) if given else options), kwargs
