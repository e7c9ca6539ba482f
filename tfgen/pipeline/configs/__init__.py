"""The ready pipelines, run locally with `kfp.local` or compiled for Kubeflow/Vertex AI.

Each ready pipeline is a module with a CONFIG dict; `create_pipeline(config)` builds it.
"""

from tfgen.pipeline.configs.catalogue import PIPELINES, load_config
from tfgen.pipeline.definition import create_pipeline

__all__ = ["PIPELINES", "create_pipeline", "load_config"]
