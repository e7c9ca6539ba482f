"""The ready pipelines, run locally with `kfp.local` or compiled for Kubeflow/Vertex AI.

Each ready pipeline is a module with a CONFIG dict; `create_pipeline(config)` builds it.
"""

import copy
import importlib

from tfgen.pipeline.definition import create_pipeline

PIPELINES = ("dcgan_digits", "dcgan_mnist", "vae_digits")

__all__ = ["PIPELINES", "create_pipeline", "load_config"]


def load_config(name):
    """A copy of pipeline `name`'s CONFIG."""
    if name not in PIPELINES:
        raise KeyError(name)
    return copy.deepcopy(importlib.import_module(f"tfgen.pipeline.configs.{name}").CONFIG)
