"""The pipeline's stages as library functions: split, statistics, schema, blessing rules."""

import json

import numpy as np
import pytest

from tfgen.errors import InputError
from tfgen.pipeline import DataValidationError, validate_examples
from tfgen.pipeline.evaluator import blessing_checks, latest_version
from tfgen.pipeline.example_validator import Schema, find_anomalies
from tfgen.pipeline.statistics_gen import image_statistics


def test_image_statistics_match_hand_computed_values():
    images = np.array([[[0, 255]], [[0, 255]], [[51, 102]]], np.uint8)[..., None]  # 3 of 1x2x1
    stats = image_statistics(images, np.array([1, 1, 4]))
    values = [0, 255, 0, 255, 51, 102]
    assert stats["count"] == 3 and stats["image_shape"] == [1, 2, 1] and stats["channels"] == 1
    assert (stats["pixel_min"], stats["pixel_max"]) == (0.0, 255.0)
    assert stats["pixel_mean"] == pytest.approx(663 / 6)
    assert stats["pixel_std"] == pytest.approx(np.std(values))
    histogram = stats["pixel_histogram"]
    assert len(histogram) == 256 and (histogram[0], histogram[255], histogram[51]) == (2, 2, 1)
    assert sum(histogram) == 6
    assert stats["label_histogram"] == {"1": 2, "4": 1}
    assert stats["duplicates"] == 1


def _stats(**changes):
    stats = {
        "count": 500,
        "image_shape": [8, 8, 1],
        "channels": 1,
        "pixel_min": 0.0,
        "pixel_max": 255.0,
        "pixel_mean": 80.0,
        "pixel_std": 90.0,
        "label_histogram": {str(k): 50 for k in range(10)},
        "duplicates": 0,
    }
    return {"train": {**stats, **changes}}


def test_clean_statistics_have_no_anomalies():
    schema = Schema(image_shape=[8, 8, 1], channels=1, labels_required=True, num_classes=10)
    assert find_anomalies(_stats(), schema) == []


@pytest.mark.parametrize(
    "changes, check",
    [
        ({"image_shape": [28, 28, 1]}, "image_shape"),
        ({"channels": 3, "image_shape": [8, 8, 3]}, "channels"),
        ({"count": 99}, "min_examples"),
        ({"label_histogram": None}, "labels"),
        ({"label_histogram": {"0": 500}}, "num_classes"),
        ({"duplicates": 26}, "duplicates"),  # 5.2% > 5%
        ({"pixel_std": 0.5}, "pixel_std"),
        ({"pixel_max": 1.0}, "pixel_span"),  # 0/1 values stored as 8-bit pixels
    ],
)
def test_each_schema_violation_is_reported(changes, check):
    schema = Schema(image_shape=[8, 8, 1], labels_required=True, num_classes=10)
    if check == "channels":
        schema = Schema(channels=1)
    found = find_anomalies(_stats(**changes), schema)
    assert [a["check"] for a in found] == [check]
    assert found[0]["message"].startswith("train: ")


def test_validation_writes_the_report_then_raises(tmp_path):
    stats = _stats(count=10, pixel_std=0.0)
    with pytest.raises(DataValidationError, match="2 anomalies") as error:
        validate_examples(stats, {"min_examples": 100}, tmp_path)
    assert "10 examples, expected at least 100" in str(error.value)
    report = json.loads((tmp_path / "anomalies.json").read_text())
    assert [a["check"] for a in report["anomalies"]] == ["min_examples", "pixel_std"]
    with pytest.raises(InputError, match=r"unknown schema field\(s\) \['min_count'\]"):
        validate_examples(stats, {"min_count": 1}, tmp_path)


def test_blessing_needs_thresholds_met_and_no_regression_beyond_tolerance():
    thresholds = {"fid": {"max": 30.0}, "recall": {"min": 0.3}}
    candidate = {"fid": 12.0, "recall": 0.5}
    assert all(c["passed"] for c in blessing_checks(thresholds, candidate, None, 0.1))
    # the last pushed model had FID 10: 12 is 20% worse, beyond the 10% tolerance
    checks = blessing_checks(thresholds, candidate, {"fid": 10.0, "recall": 0.52}, 0.1)
    verdicts = {(c["metric"], c["kind"]): c["passed"] for c in checks}
    assert verdicts == {
        ("fid", "max"): True,
        ("fid", "no_regression"): False,
        ("recall", "min"): True,
        ("recall", "no_regression"): True,  # 0.5 >= 0.52 * 0.9
    }
    failing = blessing_checks(thresholds, {"fid": 31.0}, None, 0.1)
    assert [c["passed"] for c in failing] == [False, False]
    assert failing[1]["message"] == "recall: not measured for this model"


def test_latest_version_is_the_highest_integer_folder(tmp_path):
    assert latest_version(tmp_path) is None
    for name in ("1", "2", "10", ".staging-x", "notes"):
        (tmp_path / name).mkdir()
    assert latest_version(tmp_path) == tmp_path / "10"
