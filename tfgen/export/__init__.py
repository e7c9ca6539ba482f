"""SavedModel export for TF Serving."""

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
    "METADATA_FILE",
    "STAGING_PREFIX",
    "build_archive",
    "check_max_batch",
    "check_model_name",
    "export_model",
    "make_readable",
    "model_lock",
    "next_version",
    "publish",
    "signature_specs",
    "verify_savedmodel",
]
