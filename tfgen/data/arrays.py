"""In-memory image sets: the common form every file-based source is read into."""

from dataclasses import dataclass, field

import numpy as np

from tfgen.errors import InputError


@dataclass(frozen=True)
class SourceInfo:
    """What a data source holds.

    Attributes:
        source: the source string as given.
        kind: "digits", "idx", "npz", "folder", "tfrecord" or "tfds".
        num_examples: number of images (None when a TFDS split does not say).
        image_shape: (height, width, channels) as stored; height/width are None when they vary.
        num_classes: number of label values, or None when there are no labels.
        class_names: names of the classes when the source has them (class subfolders).
        skipped: one "path: reason" line per unreadable file skipped with `skip_errors=True`.
    """

    source: str
    kind: str
    num_examples: int | None
    image_shape: tuple
    num_classes: int | None = None
    class_names: tuple | None = None
    skipped: tuple = field(default_factory=tuple)

    @property
    def has_labels(self):
        return self.num_classes is not None


@dataclass(frozen=True)
class ImageArrays:
    """Images as uint8 in [0, 255] or float32 in [0, 1], shape (N, H, W, C), and optional labels."""

    images: np.ndarray
    labels: np.ndarray | None
    info: SourceInfo


def make_image_arrays(images, labels, *, source, kind, where, class_names=None, skipped=()):
    """Validates raw arrays and wraps them with their `SourceInfo`.

    Args:
        images: array (N, H, W) or (N, H, W, C); integers in [0, 255] or floats in [0, 1].
        labels: None or N integer labels.
        source, kind: recorded in the info.
        where: the file or name the arrays came from, used in error messages.

    Raises:
        InputError: wrong rank, out-of-range values, non-integer labels or a count mismatch.
    """
    images = np.asarray(images)
    if images.ndim == 3:
        images = images[..., np.newaxis]
    if images.ndim != 4 or images.shape[0] == 0 or images.shape[-1] not in (1, 3, 4):
        raise InputError(
            f"{where}: expected images shaped (N, H, W) or (N, H, W, C) with N > 0 and C in "
            f"1, 3, 4. Received: shape={images.shape}"
        )
    images = _as_pixel_array(images, where)
    if labels is not None:
        labels = _as_label_array(labels, len(images), where)
    num_classes = None
    if labels is not None:
        num_classes = len(class_names) if class_names else int(labels.max()) + 1
    info = SourceInfo(
        source=source,
        kind=kind,
        num_examples=len(images),
        image_shape=tuple(int(d) for d in images.shape[1:]),
        num_classes=num_classes,
        class_names=tuple(class_names) if class_names else None,
        skipped=tuple(skipped),
    )
    return ImageArrays(images, labels, info)


def _as_pixel_array(images, where):
    if images.dtype == np.uint8:
        return images
    if np.issubdtype(images.dtype, np.integer) or images.dtype == bool:
        lo, hi = int(images.min()), int(images.max())
        if lo < 0 or hi > 255:
            raise InputError(
                f"{where}: integer pixels must lie in [0, 255]. Received: min={lo}, max={hi}"
            )
        return images.astype(np.uint8)
    if np.issubdtype(images.dtype, np.floating):
        if not np.all(np.isfinite(images)):
            raise InputError(f"{where}: images contain NaN or infinite values.")
        lo, hi = float(images.min()), float(images.max())
        if lo < 0.0 or hi > 1.0:
            raise InputError(
                f"{where}: float pixels must lie in [0, 1] (divide 8-bit data by 255, or store "
                f"it as uint8). Received: min={lo:g}, max={hi:g}"
            )
        return images.astype(np.float32)
    raise InputError(f"{where}: images must be numeric. Received: dtype={images.dtype}")


def _as_label_array(labels, count, where):
    labels = np.asarray(labels)
    if labels.ndim == 2 and labels.shape[1] == 1:
        labels = labels[:, 0]
    if labels.ndim != 1:
        raise InputError(f"{where}: labels must be a vector. Received: shape={labels.shape}")
    if len(labels) != count:
        raise InputError(
            f"{where}: {count} images but {len(labels)} labels; each image needs one label."
        )
    integral = np.issubdtype(labels.dtype, np.integer) or (
        np.issubdtype(labels.dtype, np.floating) and np.all(labels == np.round(labels))
    )
    if not integral:
        raise InputError(f"{where}: labels must be integers. Received: dtype={labels.dtype}")
    labels = labels.astype(np.int64)
    if labels.min() < 0:
        raise InputError(f"{where}: labels must be >= 0. Received: min={labels.min()}")
    return labels
