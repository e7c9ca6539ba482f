"""scikit-learn's bundled UCI digits: 1,797 real 8x8 handwritten digits, no download needed."""

import numpy as np

from tfgen.data.arrays import make_image_arrays


def read_digits(source="digits"):
    """Reads the UCI optical digits bundled with scikit-learn (pixel values 0..16).

    Returns:
        ImageArrays with float32 images in [0, 1], shape (1797, 8, 8, 1), and labels 0-9.
    """
    from sklearn.datasets import load_digits

    digits = load_digits()
    images = (digits.images / 16.0).astype(np.float32)
    return make_image_arrays(images, digits.target, source=source, kind="digits", where="digits")
