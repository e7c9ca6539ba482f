"""Keras callbacks tfgen adds to `fit`."""

from tfgen.callbacks.checkpoint import EpochCheckpoint, ResumeMidEpoch
from tfgen.callbacks.dashboards import HParamsSummary, ScalarsLayout
from tfgen.callbacks.early_stopping import EarlyStopping
from tfgen.callbacks.guards import BudgetSpent, NaNGuard, TimeBudget, TrainingDiverged
from tfgen.callbacks.health import TrainingHealthMonitor, TrainingHealthWarning
from tfgen.callbacks.image_summaries import ImageSummaries
from tfgen.callbacks.projector import LatentProjector

__all__ = [
    "BudgetSpent",
    "EarlyStopping",
    "EpochCheckpoint",
    "HParamsSummary",
    "ImageSummaries",
    "LatentProjector",
    "NaNGuard",
    "ResumeMidEpoch",
    "ScalarsLayout",
    "TimeBudget",
    "TrainingDiverged",
    "TrainingHealthMonitor",
    "TrainingHealthWarning",
]
