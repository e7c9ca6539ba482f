"""The ready pipelines' catalogue: what `tfgen pipeline list` and the CLI's --set check read
without KFP or TensorFlow agrees with the full config the pipeline runs with."""

import pytest

from tfgen.pipeline import configs, local


@pytest.mark.parametrize("name", configs.PIPELINES)
def test_describe_matches_the_full_config(name):
    config = configs.load_config(name)
    assert configs.describe(name) == (config["description"], config["served_name"])
    assert config == configs.with_defaults(**configs.catalogue._module(name).CONFIG)


@pytest.mark.parametrize(
    "key, known",
    [
        ("trainer.epochs", True),
        ("trainer.batch_size", True),  # from DEFAULTS, not vae_digits' own CONFIG
        ("trainer.hparams.latent_dim", True),
        ("data.source", True),
        ("trainer.epoch", False),
        ("nope.x", False),
        ("trainer.hparams.no_such_setting", False),
    ],
)
def test_check_overrides_agrees_with_configure(key, known):
    overrides = {key: "digits" if key == "data.source" else 1}
    if known:
        configs.check_overrides("vae_digits", overrides)
        local.configure("vae_digits", overrides)
    else:
        with pytest.raises(KeyError, match=key.replace(".", r"\.")):
            configs.check_overrides("vae_digits", overrides)
        with pytest.raises(KeyError):
            local.configure("vae_digits", overrides)


def test_check_overrides_refuses_a_key_below_a_value():
    with pytest.raises(KeyError, match=r"trainer\.epochs is a value, not a section"):
        configs.check_overrides("vae_digits", {"trainer.epochs.x": 1})
    with pytest.raises(KeyError):
        configs.check_overrides("no_such_pipeline", {})
