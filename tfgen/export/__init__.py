"""SavedModel export for TF Serving; LiteRT and ONNX export of generators and decoders for
devices."""

from tfgen.export.devices import FORMATS as DEVICE_FORMATS
from tfgen.export.devices import device_function, export_for_devices, format_of
from tfgen.export.saved_model import (
    METADATA_FILE,
    STAGING_PREFIX,
    export_model,
    make_readable,
    model_lock,
    next_version,
    publish,
    signature_specs,
    verify_savedmodel,
)
from tfgen.export.signatures import build_archive
from tfgen.ops.serving import DEFAULT_MAX_BATCH, check_max_batch, check_model_name

__all__ = [
    "DEFAULT_MAX_BATCH",
    "DEVICE_FORMATS",
    "METADATA_FILE",
    "STAGING_PREFIX",
    "build_archive",
    "check_max_batch",
    "check_model_name",
    "device_function",
    "export_for_devices",
    "export_model",
    "format_of",
    "make_readable",
    "model_lock",
    "next_version",
    "publish",
    "signature_specs",
    "verify_savedmodel",
]
