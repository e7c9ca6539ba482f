"""SavedModel export for TF Serving; LiteRT and ONNX export of generators and decoders for
devices."""

from tfgen.export.devices import device_function, export_for_devices
from tfgen.export.saved_model import (
    DEVICE_FILES,
    METADATA_FILE,
    STAGING_PREFIX,
    check_one_format,
    export_model,
    format_of,
    make_readable,
    model_lock,
    next_version,
    publish,
    publish_new_version,
    signature_specs,
    verify_savedmodel,
)
from tfgen.export.signatures import build_archive
from tfgen.ops.serving import DEFAULT_MAX_BATCH, check_max_batch, check_model_name

__all__ = [
    "DEFAULT_MAX_BATCH",
    "DEVICE_FILES",
    "METADATA_FILE",
    "STAGING_PREFIX",
    "build_archive",
    "check_max_batch",
    "check_one_format",
    "check_model_name",
    "device_function",
    "export_for_devices",
    "export_model",
    "format_of",
    "make_readable",
    "model_lock",
    "next_version",
    "publish",
    "publish_new_version",
    "signature_specs",
    "verify_savedmodel",
]
