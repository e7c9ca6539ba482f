"""Image grids, PNG files and the pixel ranges models work in."""

import math

import numpy as np
import tensorflow as tf

from tfgen.utils.io import write_bytes_atomic

# the pixel ranges models declare as their `pixel_range` and the data layer scales to
TANH_RANGE = (-1.0, 1.0)  # generators that end in tanh
UNIT_RANGE = (0.0, 1.0)  # autoencoders with sigmoid outputs


def image_grid(images, columns=None, padding=1, pad_value=0.5):
    """Tiles images (N, H, W, C) in [0, 1] into one image, `padding` grey pixels between tiles.

    Missing cells in the last row are left grey. Returns (rows*(H+p)+p, columns*(W+p)+p, C).
    """
    images = np.asarray(images, dtype=np.float32)
    n, h, w, c = images.shape
    columns = columns or math.ceil(math.sqrt(n))
    rows = math.ceil(n / columns)
    p = padding
    grid = np.full((rows * (h + p) + p, columns * (w + p) + p, c), pad_value, np.float32)
    for i, image in enumerate(images):
        top, left = p + (i // columns) * (h + p), p + (i % columns) * (w + p)
        grid[top : top + h, left : left + w] = image
    return grid


def to_uint8(images):
    """[0, 1] floats -> uint8, rounding to the nearest level."""
    return np.round(np.clip(np.asarray(images), 0.0, 1.0) * 255.0).astype(np.uint8)


MIN_GRID_PIXELS = 256  # small images (8x8 digits) are enlarged to be visible


def auto_upscale(grid):
    """The pixel repeat that makes a grid at least MIN_GRID_PIXELS on its longer side."""
    return max(1, MIN_GRID_PIXELS // max(grid.shape[:2]))


def write_grid(path, images, columns=None, upscale=None):
    """Writes images (N, H, W, C) in [0, 1] as one PNG grid; returns the path."""
    grid = image_grid(images, columns)
    return write_png(path, grid, upscale=upscale or auto_upscale(grid))


def write_png(path, image, upscale=1):
    """Writes one (H, W, C) image in [0, 1] as PNG, atomically; `upscale` repeats pixels."""
    image = to_uint8(image)
    if upscale > 1:
        image = image.repeat(upscale, axis=0).repeat(upscale, axis=1)
    write_bytes_atomic(path, tf.io.encode_png(image).numpy())
    return path
