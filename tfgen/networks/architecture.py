"""Sizing rules that let convolutional models adapt to the image size."""

import keras
import tensorflow as tf

from tfgen.errors import InputError


def count_halvings(size, smallest):
    """How often `size` halves exactly while staying >= `smallest`; returns (start, halvings).

    8 -> (4, 1) and 28 -> (7, 2) with smallest=4; 64 -> (4, 4).
    """
    halvings = 0
    while size % 2 == 0 and size // 2 >= smallest:
        size //= 2
        halvings += 1
    return size, halvings


def spatial_plan(image_shape, smallest):
    """(start_height, start_width, halvings) shared by both image axes.

    Raises:
        InputError: the two axes need different numbers of halvings.
    """
    height, width = image_shape[0], image_shape[1]
    start_h, n_h = count_halvings(height, smallest)
    start_w, n_w = count_halvings(width, smallest)
    if n_h != n_w:
        raise InputError(
            f"image size {height}x{width}: the two sides halve a different number of times "
            f"({n_h} and {n_w}); resize to sides with the same power of two, e.g. "
            "--image-size 32 32."
        )
    return start_h, start_w, n_h


def dcgan_kernel_init(seed=None):
    """N(0, 0.02) for every convolution and dense kernel (Radford et al. 2016, sec. 4)."""
    return keras.initializers.RandomNormal(0.0, 0.02, seed=seed)


def dcgan_gamma_init(seed=None):
    """Batch-norm scale N(1, 0.02), as in the DCGAN reference code."""
    return keras.initializers.RandomNormal(1.0, 0.02, seed=seed)


def check_widths(name, widths):
    """A tuple of positive layer widths; one int means one layer (`--set widths=64`)."""
    widths = (widths,) if isinstance(widths, int) else widths
    widths = tuple(widths) if isinstance(widths, list | tuple) else None
    if not widths or not all(isinstance(w, int) and w > 0 for w in widths):
        raise InputError(
            f"{name} must be a non-empty list of positive integers. Received: {widths!r}"
        )
    return widths


# Torch's default (Keras momentum 0.9 == Torch momentum 0.1), as in the DCGAN reference code:
# Keras' 0.99 lets inference-mode statistics lag far behind a fast-changing generator.
BN_MOMENTUM = 0.9


def batch_norm(momentum=BN_MOMENTUM, **kwargs):
    """Batch norm, synchronized across replicas when built under a tf.distribute strategy: its
    statistics are then the global batch's, so N replicas train as one device would. Alone it
    is plain batch norm (Keras's synchronized path would cost three extra reductions)."""
    return keras.layers.BatchNormalization(
        synchronized=tf.distribute.has_strategy(), momentum=momentum, **kwargs
    )
