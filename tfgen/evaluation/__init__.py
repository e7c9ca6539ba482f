"""Evaluation reports: `evaluate` (every metric that fits a model), robustness under attack and
real-vs-generated detection."""

from tfgen.evaluation.report import ANOMALY_SCORES, evaluate

__all__ = ["ANOMALY_SCORES", "evaluate"]
