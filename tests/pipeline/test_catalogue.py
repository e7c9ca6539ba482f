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


def test_the_lazy_face_keeps_each_stage_function_after_its_module_is_imported():
    """`from tfgen.pipeline import pusher` is the function, as with the eager face, even when
    `tfgen.pipeline.pusher` the module was imported first (a sibling stage imports it)."""
    import importlib.util
    import types

    import tfgen.pipeline

    for name in tfgen.pipeline.__all__:
        if importlib.util.find_spec(f"tfgen.pipeline.{name}") is not None:
            importlib.import_module(f"tfgen.pipeline.{name}")
        exported = getattr(tfgen.pipeline, name)
        assert not isinstance(exported, types.ModuleType), name
    from tfgen.pipeline import evaluator, pusher, trainer

    assert [f.__module__ for f in (evaluator, pusher, trainer)] == [
        "tfgen.pipeline.evaluator",
        "tfgen.pipeline.pusher",
        "tfgen.pipeline.trainer",
    ]
