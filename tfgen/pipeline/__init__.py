"""The stages of the TFX-style pipeline as plain functions from paths and config to artifact
paths: ExampleGen -> StatisticsGen -> ExampleValidator -> Trainer -> Evaluator ->
InfraValidator -> Pusher. The Kubeflow Pipelines components (`components.py`) wrap them, and
`configs/` holds the ready pipelines."""

from tfgen.pipeline.evaluator import evaluator
from tfgen.pipeline.example_gen import example_gen
from tfgen.pipeline.example_validator import DataValidationError, Schema, validate_examples
from tfgen.pipeline.infra_validator import infra_validator
from tfgen.pipeline.pusher import pusher
from tfgen.pipeline.statistics_gen import statistics_gen
from tfgen.pipeline.trainer import trainer

__all__ = [
    "DataValidationError",
    "Schema",
    "evaluator",
    "example_gen",
    "infra_validator",
    "pusher",
    "statistics_gen",
    "trainer",
    "validate_examples",
]
