"""Training runs: data + model + callbacks + `fit`, resumable from a locked work folder."""

from tfgen.training.run import DATA_OPTIONS, RunPaths, TrainResult, run_state_of, train

__all__ = ["DATA_OPTIONS", "RunPaths", "TrainResult", "run_state_of", "train"]
