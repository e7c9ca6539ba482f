"""The ready pipelines, run locally with `kfp.local` or compiled for Kubeflow/Vertex AI.

Each ready pipeline is a module with a CONFIG dict (plain data); `load_config(name)` gives its
full config and `create_pipeline(config)` builds it.
"""

from tfgen.pipeline.configs.catalogue import (
    DEFAULTS,
    PIPELINES,
    check_overrides,
    create_pipeline,
    describe,
    load_config,
    with_defaults,
)

__all__ = [
    "DEFAULTS",
    "PIPELINES",
    "check_overrides",
    "create_pipeline",
    "describe",
    "load_config",
    "with_defaults",
]
