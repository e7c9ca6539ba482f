"""The catalogue of ready pipelines: each is a module of this package holding a CONFIG dict of
the sections it sets, plain data, so listing and checking them loads neither TensorFlow nor
KFP nor Beam (`tfgen pipeline list` answers at once); `load_config` adds the defaults and
checks the whole config."""

import copy
import importlib

PIPELINES = ("dcgan_digits", "dcgan_fashion", "dcgan_mnist", "vae_digits")

# what a ready pipeline's config holds unless it says otherwise
DEFAULTS = {
    # eval_source: a source read whole as the eval split (a test split); else eval_fraction
    # of `source` is hashed into it
    # shards: TFRecord files per split, 0: the Beam runner's choice (see example_gen)
    "data": {"options": {}, "eval_fraction": 0.1, "seed": 0, "eval_source": None, "shards": 0},
    # args: Beam pipeline options for ExampleGen and StatisticsGen (tfgen.pipeline.beam_runner)
    "beam": {"args": []},
    "schema": {"min_examples": 100, "max_duplicate_fraction": 0.05, "min_pixel_std": 20.0},
    # runtime: tfgen.runtime.Runtime's fields, e.g. {"precision": "mixed_float16"} on GPUs
    "trainer": {"batch_size": 64, "hparams": {}, "seed": 0, "max_seconds": None, "runtime": {}},
    "evaluator": {"tolerance": 0.1, "samples": 2000, "seed": 0},
    # allow_signature_change: push even if the signatures differ from the served version's
    "pusher": {"allow_signature_change": False},
    "paths": {"saved_models": "saved_models", "checkpoints": "runs/pipelines"},
}


def load_config(name):
    """Pipeline `name`'s full config (a fresh copy): its CONFIG over DEFAULTS, checked.

    Raises:
        KeyError: an unknown pipeline.
    """
    from tfgen.pipeline.definition import make_config  # KFP and Beam load from here on

    return make_config(**copy.deepcopy(_module(name).CONFIG))


def describe(name):
    """(description, served name) of pipeline `name`, without loading KFP or TensorFlow."""
    config = _module(name).CONFIG
    return config["description"], config["served_name"]


def with_defaults(*, name, description, served_name, **sections):
    """A config: DEFAULTS with each section's keys replaced by those given (not checked)."""
    config = {"name": name, "description": description, "served_name": served_name}
    for section, defaults in DEFAULTS.items():
        config[section] = {**copy.deepcopy(defaults), **sections.pop(section, {})}
    if sections:
        raise KeyError(f"unknown config section(s) {sorted(sections)}; known: {sorted(DEFAULTS)}")
    return config


def check_overrides(name, overrides):
    """Refuses a dotted override key ("trainer.epochs") that pipeline `name`'s config lacks,
    as `tfgen.pipeline.local.configure` would, but before KFP and TensorFlow load.

    Raises:
        KeyError: an unknown pipeline or key, naming the keys known where it went wrong.
    """
    config = with_defaults(**copy.deepcopy(_module(name).CONFIG))
    for dotted in overrides:
        node, walked = config, []
        for part in dotted.split("."):
            if not isinstance(node, dict):
                raise KeyError(f"{dotted} ({'.'.join(walked)} is a value, not a section)")
            if part not in node:
                raise KeyError(f"{dotted} (known keys here: {sorted(node)})")
            node = node[part]
            walked.append(part)


def create_pipeline(config):
    """The KFP pipeline function of `config` (`tfgen.pipeline.definition.create_pipeline`)."""
    from tfgen.pipeline.definition import create_pipeline as create

    return create(config)


def _module(name):
    if name not in PIPELINES:
        raise KeyError(name)
    return importlib.import_module(f"tfgen.pipeline.configs.{name}")
