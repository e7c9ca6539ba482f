"""Data layer: any supported source string -> a batched `tf.data.Dataset` of images (and labels)."""

from tfgen.data.arrays import ImageArrays, SourceInfo
from tfgen.data.pipeline import (
    is_cached,
    load_dataset,
    load_examples,
    to_model_pixels,
)
from tfgen.data.read_log import ReadLog
from tfgen.data.sources import SOURCE_FORMS, official_test_split, read_arrays
from tfgen.data.tfrecord import write_tfrecord
from tfgen.utils.images import TANH_RANGE, UNIT_RANGE

__all__ = [
    "ImageArrays",
    "is_cached",
    "ReadLog",
    "SOURCE_FORMS",
    "SourceInfo",
    "TANH_RANGE",
    "UNIT_RANGE",
    "load_dataset",
    "load_examples",
    "official_test_split",
    "read_arrays",
    "to_model_pixels",
    "write_tfrecord",
]
