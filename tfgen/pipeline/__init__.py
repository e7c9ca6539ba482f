"""The stages of the TFX-style pipeline as plain functions from paths and config to artifact
paths: ExampleGen -> StatisticsGen -> ExampleValidator -> Trainer -> Evaluator ->
InfraValidator -> Pusher. The Kubeflow Pipelines components (`components.py`) wrap them, and
`configs/` holds the ready pipelines.

The names below load on first use (lazy_loader): the stages import TensorFlow and Beam, and
`tfgen pipeline list` reads only `configs/`. A name stays the function even once the module
of the same name is imported directly (lazy_loader >= 0.6 guards it), as with eager imports."""

import lazy_loader

__getattr__, __dir__, __all__ = lazy_loader.attach(
    __name__,
    submod_attrs={
        "evaluator": ["evaluator"],
        "example_gen": ["example_gen"],
        "example_validator": ["DataValidationError", "Schema", "validate_examples"],
        "infra_validator": ["infra_validator"],
        "pusher": ["pusher"],
        "statistics_gen": ["statistics_gen"],
        "trainer": ["trainer"],
    },
)
