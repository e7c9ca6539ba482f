"""A model's serving signatures as an `ExportArchive`: built in `tfgen.models.archive`, below
this package, so `model.export(path)` writes the same signatures as `export_model`."""

from tfgen.models.archive import ENDPOINT_ORDER, build_archive

__all__ = ["ENDPOINT_ORDER", "build_archive"]
