"""Typed settings: one options class per family, defaults and rules stated once."""

import dataclasses
import subprocess
import sys

import keras
import pytest

from tfgen.config import (
    MODEL_OPTIONS,
    DCGANOptions,
    WGANGPOptions,
    options,
    resolve_settings,
    settings_table,
    validate,
)
from tfgen.errors import InputError
from tfgen.models import GAN, MODELS, build_model, hparam_defaults, load_model

TINY_DCGAN = dict(latent_dim=8, g_widths=[16, 8, 4], d_widths=[4, 8])

ADVERSARIAL = {
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
    "seed": 0,
    "augment": "",
    "augment_p": 1.0,
    "ada_target": 0.0,
    "ada_interval": 4,
    "ada_kimg": 100.0,
    "r1_interval": 1,
    "d_learning_rate": 2e-4,
    "g_learning_rate": 2e-4,
    "d_beta_1": 0.5,
    "d_beta_2": 0.999,
    "g_beta_1": 0.5,
    "g_beta_2": 0.999,
}
AUTOENCODER = dict(
    architecture="conv",
    widths=None,
    hidden=256,
    reconstruction_loss="bce",
    learning_rate=1e-3,
    seed=0,
)
CONV_GAN = dict(latent_dim=100, g_widths=None, d_widths=None, kernel_size=4, attention=0)
SNGAN = {
    **ADVERSARIAL,
    "latent_dim": 128,
    "g_width": None,
    "d_width": None,
    "attention": 0,
    "g_spectral_norm": False,
    "loss": "hinge",
    "d_learning_rate": 4e-4,
    "g_learning_rate": 1e-4,
    "d_beta_1": 0.0,
    "d_beta_2": 0.9,
    "g_beta_1": 0.0,
    "g_beta_2": 0.9,
}
# The defaults of the build_* signatures and option dicts before typed settings (tuned values)
TODAYS_DEFAULTS = {
    "ae": dict(code_size=32, **AUTOENCODER),
    "sparse_ae": dict(
        code_size=128, sparsity="kl", sparsity_weight=None, target_activation=0.05, **AUTOENCODER
    ),
    "denoising_ae": dict(code_size=64, noise="gaussian", noise_level=0.5, **AUTOENCODER),
    "vae": dict(
        latent_dim=16,
        architecture="conv",
        widths=None,
        hidden=256,
        likelihood="bernoulli",
        decoder_std=0.1,
        binarize=False,
        beta=1.0,
        kl_warmup_steps=0,
        learning_rate=1e-3,
        seed=0,
    ),
    "gan": dict(
        latent_dim=100, g_widths=[256, 512, 1024], d_widths=[512, 256], d_dropout=0.3, **ADVERSARIAL
    ),
    "dcgan": dict(g_activation="relu", d_dropout=0.0, d_batchnorm=True, **CONV_GAN, **ADVERSARIAL),
    "cgan": dict(
        conditioning="projection",
        d_batchnorm=True,
        g_conditioning="cbn",
        **CONV_GAN,
        **ADVERSARIAL,
    ),
    "sngan": SNGAN,
    "conditional_sngan": SNGAN,
    "wgan_gp": {
        **CONV_GAN,
        **ADVERSARIAL,
        "latent_dim": 128,
        "loss": "wasserstein",
        "gradient_penalty": 10.0,
        "d_steps": 5,
        "d_learning_rate": 1e-4,
        "g_learning_rate": 1e-4,
        "d_beta_1": 0.0,
        "d_beta_2": 0.9,
        "g_beta_1": 0.0,
        "g_beta_2": 0.9,
    },
    "vaegan": dict(
        latent_dim=32,
        widths=None,
        hidden=256,
        d_widths=None,
        beta=1.0,
        adversarial_weight=1.0,
        loss="non_saturating",
        d_learning_rate=2e-4,
        g_learning_rate=2e-4,
        d_beta_1=0.5,
        g_beta_1=0.5,
        d_beta_2=0.999,  # new settings: Keras Adam's default, which vaegan used before
        g_beta_2=0.999,
        seed=0,
    ),
    "classifier": dict(
        widths=[32, 64, 128],
        feature_dim=128,
        dropout=0.3,
        adversarial_ratio=0.0,
        adversarial_eps=0.25,
        learning_rate=1e-3,
        seed=0,
    ),
}


@pytest.mark.parametrize("name", sorted(MODELS))
def test_defaults_are_todays(name):
    assert resolve_settings(name) == TODAYS_DEFAULTS[name]
    assert hparam_defaults(name) == TODAYS_DEFAULTS[name]


def test_every_model_has_one_options_class():
    assert set(MODEL_OPTIONS) == set(MODELS)
    assert all(cls.family == name for name, cls in MODEL_OPTIONS.items())


@pytest.mark.parametrize("bad", [True, -3, 0, "abc", 2.5, None, [8]])
def test_latent_dim_refuses_what_is_not_a_positive_integer(bad):
    with pytest.raises(InputError) as e:
        resolve_settings("dcgan", {"latent_dim": bad})
    assert str(e.value) == f"latent_dim must be a positive integer. Received: latent_dim={bad!r}"


def test_latent_dim_true_is_refused_by_build_model_too():
    with pytest.raises(InputError, match="latent_dim must be a positive integer"):
        build_model("dcgan", (8, 8, 1), latent_dim=True)


def test_a_negative_learning_rate_is_refused():
    with pytest.raises(InputError) as e:
        build_model("dcgan", (8, 8, 1), d_learning_rate=-0.0002, **TINY_DCGAN)
    assert str(e.value) == (
        "d_learning_rate must be a number > 0. Received: d_learning_rate=-0.0002"
    )


def test_an_integer_learning_rate_is_a_float():
    settings = resolve_settings("dcgan", {"d_learning_rate": 1})
    assert settings["d_learning_rate"] == 1.0 and isinstance(settings["d_learning_rate"], float)
    gan = build_model("dcgan", (8, 8, 1), d_learning_rate=1, **TINY_DCGAN)
    assert float(gan.d_optimizer.learning_rate) == 1.0
    assert float(gan.g_optimizer.learning_rate) == pytest.approx(2e-4)


def test_integer_valued_doubles_become_ints():
    settings = resolve_settings("dcgan", {"latent_dim": 8.0, "g_widths": [32.0, 16.0]})
    assert settings["latent_dim"] == 8 and type(settings["latent_dim"]) is int
    assert settings["g_widths"] == [32, 16] and all(type(w) is int for w in settings["g_widths"])


def test_types_are_strict_where_a_guess_would_be_wrong():
    for name, value, message in [
        ("d_batchnorm", 1, "d_batchnorm must be true or false. Received: d_batchnorm=1"),
        ("d_batchnorm", "yes", "d_batchnorm must be true or false"),
        ("ema_decay", True, r"ema_decay must be a number in \[0, 1\). Received: ema_decay=True"),
        ("ema_decay", "0.9", "ema_decay must be a number"),
        ("d_steps", 1.5, "d_steps must be a positive integer. Received: d_steps=1.5"),
        ("d_beta_1", 1.0, r"d_beta_1 must be a number in \[0, 1\)"),
        ("label_smoothing", 0.5, r"label_smoothing must be a number in \[0, 0.5\)"),
        ("gradient_penalty", -1, "gradient_penalty must be a number >= 0"),
        ("d_dropout", 1.0, r"d_dropout must be a number in \[0, 1\)"),
        ("g_widths", [3, 0], "g_widths must be a non-empty list of positive integers"),
        ("g_widths", [], "g_widths must be a non-empty list of positive integers"),
        ("g_widths", [True], "g_widths must be a non-empty list of positive integers"),
        ("seed", 0.5, "seed must be an integer"),
    ]:
        with pytest.raises(InputError, match=message):
            resolve_settings("dcgan", {name: value})


def test_ranges_of_the_other_families():
    for model, name, value, message in [
        ("vae", "kl_warmup_steps", -1, "kl_warmup_steps must be an integer >= 0"),
        ("vae", "decoder_std", 0, "decoder_std must be a number > 0"),
        ("classifier", "adversarial_ratio", 1.5, r"adversarial_ratio must be a number in \[0, 1\]"),
        ("classifier", "adversarial_eps", 0, "adversarial_eps must be a number > 0"),
        ("sparse_ae", "sparsity_weight", -1, "sparsity_weight must be a number >= 0"),
        ("denoising_ae", "noise_level", 0, "noise_level must be a number > 0"),
        ("vaegan", "adversarial_weight", -0.1, "adversarial_weight must be a number >= 0"),
        ("ae", "code_size", 0, "code_size must be a positive integer"),
    ]:
        with pytest.raises(InputError, match=message):
            resolve_settings(model, {name: value})
    assert resolve_settings("classifier", {"adversarial_ratio": 1})["adversarial_ratio"] == 1.0


def test_widths_from_one_int_a_list_or_a_comma_string():
    assert resolve_settings("dcgan", {"d_widths": 64})["d_widths"] == [64]
    assert resolve_settings("dcgan", {"d_widths": "64, 32"})["d_widths"] == [64, 32]
    assert DCGANOptions(d_widths=[64, 32]).d_widths == (64, 32)  # tuples inside


def test_none_only_where_the_default_is_auto():
    assert resolve_settings("dcgan", {"g_widths": None})["g_widths"] is None
    with pytest.raises(InputError, match="latent_dim must be a positive integer"):
        resolve_settings("dcgan", {"latent_dim": None})
    with pytest.raises(InputError, match=r"or null for auto\)\. Received: g_widths='a'"):
        resolve_settings("dcgan", {"g_widths": "a"})


def test_unknown_settings_are_refused_with_the_accepted_ones():
    with pytest.raises(InputError) as e:
        resolve_settings("dcgan", {"lr": 0.1, "bogus": 1})
    message = str(e.value)
    assert message.startswith("unknown hyperparameter(s) ['bogus', 'lr'] for dcgan; it accepts:")
    assert all(f"{name}=" in message for name in DCGANOptions.names())


def test_choices_are_refused_outside_their_list():
    for name, value in [
        ("loss", "kl"),
        ("truncation_method", "clip"),
        ("g_activation", "sigmoidal"),
        ("loss", 1),
    ]:
        with pytest.raises(InputError, match=f"{name} must be one of .*Received: {name}="):
            resolve_settings("dcgan", {name: value})
    with pytest.raises(InputError, match=r"architecture must be one of \['conv', 'dense'\]"):
        resolve_settings("vae", {"architecture": "rnn"})
    with pytest.raises(InputError, match="conditioning must be one of"):
        resolve_settings("cgan", {"conditioning": "film"})


def test_rules_between_settings():
    with pytest.raises(InputError, match="change cross-entropy targets"):
        resolve_settings("wgan_gp", {"label_smoothing": 0.1})
    with pytest.raises(InputError, match="binarize=True models binary pixels"):
        resolve_settings("vae", {"binarize": True, "likelihood": "gaussian"})
    with pytest.raises(InputError, match="noise_level for masking noise must be a fraction"):
        resolve_settings("denoising_ae", {"noise": "masking", "noise_level": 1.0})
    assert resolve_settings("denoising_ae", {"noise_level": 2.0})["noise_level"] == 2.0


def test_family_defaults_are_stated_once_and_do_not_leak():
    assert (WGANGPOptions().d_steps, DCGANOptions().d_steps) == (5, 1)
    dcgan_rule = {f.name: f.metadata for f in dataclasses.fields(DCGANOptions)}
    wgan_rule = {f.name: f.metadata for f in dataclasses.fields(WGANGPOptions)}
    assert wgan_rule["d_steps"] == dcgan_rule["d_steps"]  # the inherited rule, a new default
    with pytest.raises(InputError, match="d_steps must be a positive integer"):
        WGANGPOptions(d_steps=0)


def test_options_objects_are_frozen_and_validated_when_made():
    o = DCGANOptions(latent_dim=8.0)
    assert o.latent_dim == 8
    with pytest.raises(AttributeError):
        o.latent_dim = 3
    with pytest.raises(InputError, match="unknown hyperparameter"):
        o.replace(lr=1)
    assert validate(DCGANOptions, o) is o
    with pytest.raises(InputError, match="expected DCGANOptions settings for dcgan"):
        validate(DCGANOptions, WGANGPOptions())


@pytest.mark.parametrize("name", sorted(MODELS))
def test_settings_table_lists_every_setting(name):
    rows = settings_table(name)
    assert [row[0] for row in rows] == list(MODEL_OPTIONS[name].names())
    assert all(len(row) == 4 and row[1] and row[3] for row in rows)


def test_choices_match_the_tables_they_name():
    from tfgen.losses import ADVERSARIAL_LOSSES, RECONSTRUCTION_LOSSES
    from tfgen.models.autoencoder import NOISES
    from tfgen.models.autoencoder.sparse import SPARSITY_PENALTIES
    from tfgen.models.vae.vae import LIKELIHOODS
    from tfgen.networks.conditioning import CONDITIONINGS, G_CONDITIONINGS
    from tfgen.networks.encoder import ARCHITECTURES
    from tfgen.ops.augment import POLICIES
    from tfgen.ops.sampling import TRUNCATION_METHODS

    assert set(options.ADVERSARIAL_LOSS_NAMES) == set(ADVERSARIAL_LOSSES)
    assert set(options.CROSS_ENTROPY_LOSSES) == {
        k for k, v in ADVERSARIAL_LOSSES.items() if v.cross_entropy
    }
    assert set(options.RECONSTRUCTION_LOSS_NAMES) == set(RECONSTRUCTION_LOSSES)
    assert options.NOISES == NOISES and options.SPARSITY_PENALTIES == SPARSITY_PENALTIES
    assert options.LIKELIHOODS == LIKELIHOODS and options.CONDITIONINGS == CONDITIONINGS
    assert options.ARCHITECTURES == ARCHITECTURES and options.G_CONDITIONINGS == G_CONDITIONINGS
    assert options.TRUNCATION_METHODS == TRUNCATION_METHODS
    assert tuple(POLICIES) == options.AUGMENT_POLICIES
    assert set(options.UNCALIBRATED_LOSSES) == {
        k for k, v in ADVERSARIAL_LOSSES.items() if v.decision is None
    }
    for activation in options.ACTIVATIONS:
        assert callable(keras.activations.get(activation))


def test_settings_load_without_tensorflow():
    code = (
        "import sys, tfgen.config, tfgen.cli.train;"
        "tfgen.config.resolve_settings('dcgan', {'latent_dim': 8});"
        "print('tensorflow' in sys.modules, 'keras' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "False"]


@pytest.mark.slow  # 6-12 s in the fast tier under xdist
def test_get_config_round_trip_keeps_the_options(tmp_path):
    gan = build_model("dcgan", (8, 8, 1), d_steps=2, ema_decay=0.5, d_learning_rate=1, **TINY_DCGAN)
    config = gan.get_config()
    assert config["family"] == "dcgan"
    assert config["options"] == resolve_settings(
        "dcgan", dict(d_steps=2, ema_decay=0.5, d_learning_rate=1, **TINY_DCGAN)
    )
    clone = GAN.from_config(config)
    assert clone.options == gan.options and isinstance(clone.options, DCGANOptions)
    assert (clone.d_steps, clone.ema_decay, clone.latent_dim) == (2, 0.5, 8)
    gan.save(tmp_path / "gan.keras")
    loaded = load_model(tmp_path / "gan.keras")
    assert loaded.options == gan.options
    assert float(loaded.d_optimizer.learning_rate) == 1.0  # the compile config, not defaults


def test_configs_saved_before_options_still_load():
    gan = build_model("dcgan", (8, 8, 1), **TINY_DCGAN)
    config = gan.get_config()
    del config["options"], config["family"]
    config.update(loss="minimax", d_steps=3, ema_decay=0.0, seed=7)  # the old top-level keys
    clone = GAN.from_config(config)
    assert (clone.adversarial_loss, clone.d_steps, clone.seed) == ("minimax", 3, 7)
    assert clone.get_config()["family"] == ""  # only what the trainer reads is known


def test_a_hand_built_gan_validates_its_settings_and_keeps_given_optimizers():
    gan = build_model("dcgan", (8, 8, 1), **TINY_DCGAN)
    with pytest.raises(InputError, match="ema_decay must be a number in"):
        GAN(gan.generator, gan.discriminator, ema_decay=1.5)
    hand_built = GAN(gan.generator, gan.discriminator, d_steps=2)
    sgd = keras.optimizers.SGD(0.1)
    hand_built.compile(d_optimizer=sgd)
    assert hand_built.d_optimizer is sgd and hand_built.d_steps == 2
    assert float(hand_built.g_optimizer.learning_rate) == pytest.approx(2e-4)
    # a built model's own options give the optimizers compile() was not given
    wgan = build_model("wgan_gp", (8, 8, 1), **TINY_DCGAN)
    wgan.compile()
    assert float(wgan.d_optimizer.learning_rate) == pytest.approx(1e-4)
    assert wgan.g_optimizer.beta_2 == pytest.approx(0.9)
