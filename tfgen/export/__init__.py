"""SavedModel export for TF Serving."""

from tfgen.export.saved_model import (
    METADATA_FILE,
    export_model,
    make_readable,
    next_version,
    publish,
    verify_savedmodel,
)
from tfgen.export.signatures import build_archive

__all__ = [
    "METADATA_FILE",
    "build_archive",
    "export_model",
    "make_readable",
    "next_version",
    "publish",
    "verify_savedmodel",
]
