"""The catalogue of ready pipelines: each is a module of this package with a CONFIG dict."""

import copy
import importlib

PIPELINES = ("dcgan_digits", "dcgan_fashion", "dcgan_mnist", "vae_digits")


def load_config(name):
    """A copy of pipeline `name`'s CONFIG."""
    if name not in PIPELINES:
        raise KeyError(name)
    return copy.deepcopy(importlib.import_module(f"tfgen.pipeline.configs.{name}").CONFIG)
