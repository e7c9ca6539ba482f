"""A folder of images: flat, or one subfolder per class (PNG, JPEG, BMP, GIF)."""

import logging
from pathlib import Path

import tensorflow as tf

from tfgen.data.arrays import make_image_arrays
from tfgen.data.images import IMAGE_SUFFIXES, decode_image_bytes, stack_images
from tfgen.errors import InputError

log = logging.getLogger(__name__)


def read_image_folder(source, path: Path, *, image_size=None, channels=None, skip_errors=False):
    """Decodes every image in `path`; subfolders become classes labelled in name order.

    Args:
        image_size: (H, W) to resize to; required when the images differ in size.
        channels: None keeps the stored channels (they must agree); 1 or 3 converts.
        skip_errors: skip undecodable files (each listed in `info.skipped` and logged) instead
            of failing on the first one.

    Raises:
        InputError: empty folder, no images, mixed layout, an undecodable file (unless
            skipped), or mixed sizes/channels.
    """
    files, labels, class_names = list_images(path)
    decoded, kept_labels, names, skipped = [], [], [], []
    for file, label in zip(files, labels):
        try:
            image = decode_image_bytes(
                tf.io.read_file(str(file)), where=str(file), channels=channels
            )
        except InputError as e:
            if not skip_errors:
                raise InputError(
                    f"{e} Pass skip_errors=True (--skip-errors) to skip such files."
                ) from e
            skipped.append(str(e))
            continue
        decoded.append(image)
        kept_labels.append(label)
        names.append(str(file.relative_to(path)))
    report_skipped(path, skipped, kept=len(decoded), total=len(files))
    images = stack_images(decoded, names, where=str(path), image_size=image_size)
    return make_image_arrays(
        images,
        kept_labels if class_names else None,
        source=source,
        kind="folder",
        where=str(path),
        class_names=class_names,
        skipped=skipped,
    )


def report_skipped(path, skipped, *, kept, total, noun="image file(s)"):
    """Logs the `skipped` lines of what `skip_errors` skipped in `path` (a folder, or any
    source whose examples are `noun`).

    Raises:
        InputError: none of the `total` examples could be kept.
    """
    if skipped:
        log.warning(
            "%s: skipped %d unreadable %s:\n  %s",
            path,
            len(skipped),
            noun,
            "\n  ".join(skipped),
        )
    if not kept:
        raise InputError(f"{path}: none of the {total} {noun} could be decoded.")


def list_images(path: Path):
    """Returns (files, labels, class_names); labels are None for a flat folder."""
    entries = [p for p in sorted(path.iterdir()) if not p.name.startswith(".")]
    if not entries:
        raise InputError(f"{path}: the folder is empty; expected image files or class subfolders.")
    top_images = [p for p in entries if p.is_file() and _is_image(p)]
    class_dirs = [p for p in entries if p.is_dir()]
    class_files = {
        d.name: sorted(f for f in d.rglob("*") if f.is_file() and _is_image(f)) for d in class_dirs
    }
    if any(class_files.values()):
        if top_images:
            raise InputError(
                f"{path}: holds both images ({top_images[0].name}, ...) and class subfolders; "
                "put every image in a class subfolder, or use a flat folder."
            )
        class_names = sorted(class_files)
        files = [f for name in class_names for f in class_files[name]]
        labels = [i for i, name in enumerate(class_names) for _ in class_files[name]]
        return files, labels, class_names
    if not top_images:
        raise InputError(
            f"{path}: no images found; expected files ending in {', '.join(IMAGE_SUFFIXES)} "
            f"in the folder or in class subfolders. Received: {[p.name for p in entries[:5]]}"
        )
    return top_images, [None] * len(top_images), None


def _is_image(path: Path):
    return path.suffix.lower() in IMAGE_SUFFIXES and not path.name.startswith(".")
