"""Training runs: data + model + callbacks + `fit`, resumable from a locked work folder."""

from tfgen.training.record import RunRecord, read_record
from tfgen.training.run import (
    DATA_OPTIONS,
    RunPaths,
    TrainResult,
    run_record_of,
    run_state_of,
    train,
)

__all__ = [
    "DATA_OPTIONS",
    "RunPaths",
    "RunRecord",
    "TrainResult",
    "read_record",
    "run_record_of",
    "run_state_of",
    "train",
]
