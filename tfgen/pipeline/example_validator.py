"""ExampleValidator: the data's statistics against a schema; anomalies stop the run."""

from dataclasses import asdict, dataclass
from pathlib import Path

from tfgen.errors import InputError
from tfgen.utils.io import write_json_atomic


class DataValidationError(InputError):
    """The examples do not match the schema; the message lists every anomaly."""


@dataclass(frozen=True)
class Schema:
    """What the examples must look like.

    Attributes:
        image_shape: [H, W, C], or None for any.
        channels: the channel count (1 grey, 3 RGB), or None for any.
        min_examples: the fewest examples each split may hold.
        labels_required: every split must be labelled.
        num_classes: the number of distinct labels expected in the training split, or None.
        max_duplicate_fraction: the largest share of exact duplicate images allowed.
        min_pixel_std: the smallest pixel standard deviation (0-255 units) allowed: blank or
            constant images (a broken decoder, an all-black export) fall below it.
        min_pixel_span: the smallest max - min pixel range (0-255 units) allowed: images saved
            as 0/1 values in 8 bits, or crushed into a narrow band, fall below it.
    """

    image_shape: list | None = None
    channels: int | None = None
    min_examples: int = 100
    labels_required: bool = False
    num_classes: int | None = None
    max_duplicate_fraction: float = 0.05
    min_pixel_std: float = 5.0
    min_pixel_span: float = 128.0

    @classmethod
    def from_dict(cls, values):
        unknown = sorted(set(values) - set(cls.__dataclass_fields__))
        if unknown:
            raise InputError(
                f"unknown schema field(s) {unknown}; accepted: {sorted(cls.__dataclass_fields__)}"
            )
        return cls(**values)


def find_anomalies(statistics, schema):
    """[{split, check, expected, found, message}] for every violated expectation."""
    return [
        {
            "split": split,
            "check": check,
            "expected": expected,
            "found": found,
            "message": f"{split}: {message}",
        }
        for split, stats in statistics.items()
        for check, expected, found, message in _violations(split, stats, schema)
    ]


def _violations(split, stats, schema):
    if schema.image_shape is not None and list(stats["image_shape"]) != list(schema.image_shape):
        yield (
            "image_shape",
            schema.image_shape,
            stats["image_shape"],
            f"images are {stats['image_shape']}, expected {schema.image_shape}",
        )
    if schema.channels is not None and stats["channels"] != schema.channels:
        yield (
            "channels",
            schema.channels,
            stats["channels"],
            f"images have {stats['channels']} channel(s), expected {schema.channels}",
        )
    if stats["count"] < schema.min_examples:
        yield (
            "min_examples",
            schema.min_examples,
            stats["count"],
            f"{stats['count']} examples, expected at least {schema.min_examples}",
        )
    if schema.labels_required and stats["label_histogram"] is None:
        yield "labels", "labelled", "unlabelled", "examples carry no labels"
    classes = len(stats["label_histogram"] or {})
    labelled = stats["label_histogram"] is not None  # unlabelled data: the check above speaks
    if (
        schema.num_classes is not None
        and split == "train"
        and labelled
        and classes != schema.num_classes
    ):
        yield (
            "num_classes",
            schema.num_classes,
            classes,
            f"{classes} classes, expected {schema.num_classes}",
        )
    duplicates = stats["duplicates"] / max(stats["count"], 1)
    if duplicates > schema.max_duplicate_fraction:
        yield (
            "duplicates",
            schema.max_duplicate_fraction,
            round(duplicates, 4),
            f"{duplicates:.1%} of the images are exact duplicates, expected at most "
            f"{schema.max_duplicate_fraction:.1%}",
        )
    if stats["pixel_std"] < schema.min_pixel_std:
        yield (
            "pixel_std",
            schema.min_pixel_std,
            round(stats["pixel_std"], 3),
            f"pixel standard deviation {stats['pixel_std']:.2f} (0-255), expected at least "
            f"{schema.min_pixel_std}: blank or constant images",
        )
    span = stats["pixel_max"] - stats["pixel_min"]
    if span < schema.min_pixel_span:
        yield (
            "pixel_span",
            schema.min_pixel_span,
            span,
            f"pixels span {stats['pixel_min']:g}..{stats['pixel_max']:g} (0-255), expected a "
            f"range of at least {schema.min_pixel_span:g}: wrongly scaled images",
        )


def validate_examples(statistics, schema, output_dir):
    """Writes `anomalies.json` ({"schema", "anomalies"}) and raises if there are any.

    Raises:
        DataValidationError: the report, one line per anomaly.
    """
    schema = schema if isinstance(schema, Schema) else Schema.from_dict(schema or {})
    anomalies = find_anomalies(statistics, schema)
    report_path = Path(output_dir) / "anomalies.json"
    write_json_atomic(report_path, {"schema": asdict(schema), "anomalies": anomalies})
    if anomalies:
        lines = "\n".join(f"  - {a['message']}" for a in anomalies)
        raise DataValidationError(
            f"the examples do not match the schema ({len(anomalies)} anomalies; report: "
            f"{report_path}):\n{lines}"
        )
    return anomalies
