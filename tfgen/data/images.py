"""Decoding and resizing single images with TensorFlow's own decoders."""

import re

import numpy as np
import tensorflow as tf

from tfgen.errors import InputError

IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".bmp", ".gif")


def decode_image_bytes(data, *, where, channels=None):
    """Decodes PNG/JPEG/BMP/GIF bytes to uint8 (H, W, C); the first frame of an animated GIF.

    Args:
        data: the encoded bytes.
        where: names the file (and record) in error messages.
        channels: None keeps the stored channels; 1 or 3 converts.

    Raises:
        InputError: the bytes are not a decodable image.
    """
    try:  # decoded as stored: TF's BMP and GIF decoders refuse channels=1
        image = tf.io.decode_image(data, expand_animations=False)
    except (tf.errors.InvalidArgumentError, tf.errors.UnknownError) as e:
        reason = _decoder_reason(e)
        raise InputError(f"{where}: not a decodable PNG/JPEG/BMP/GIF image ({reason}).") from e
    return convert_channels(image, channels).numpy()


def _decoder_reason(error):
    """TensorFlow's decoder message on one line, without the op and device decoration:
    "Invalid PNG. Failed to initialize decoder." rather than
    "{{function_node __wrapped__DecodeImage_device_/job:...}} Invalid PNG. ... [Op:DecodeImage]"."""
    text = re.sub(r"\{\{function_node [^}]*\}\}", "", error.message)
    text = re.sub(r"\[Op:\w+\].*", "", text, flags=re.S)
    return " ".join(text.split())


def convert_channels(image, channels):
    """Converts an image tensor (..., C) to `channels` (None keeps it): RGB(A) <-> grayscale.

    Works on uint8 and float images; an alpha channel is dropped.
    """
    c = image.shape[-1]
    if channels is None or channels == c:
        return image
    if channels == 1:
        return tf.image.rgb_to_grayscale(image[..., :3])
    if c == 1:
        return tf.image.grayscale_to_rgb(image)
    return image[..., :3]


def resize_to(image: np.ndarray, size) -> np.ndarray:
    """Resizes a uint8 image to `size` (H, W) with antialiasing; returns float32 in [0, 1]."""
    resized = tf.image.resize(tf.cast(image, tf.float32), size, antialias=True)
    return np.clip(resized.numpy() / 255.0, 0.0, 1.0).astype(np.float32)


def stack_images(images, names, *, where, image_size=None):
    """Stacks decoded images into one array, resizing when `image_size` is given.

    Raises:
        InputError: channel counts differ, or sizes differ and no `image_size` was given.
    """
    channels = {}
    for image, name in zip(images, names):
        channels.setdefault(image.shape[-1], name)
    if len(channels) > 1:
        examples = ", ".join(f"{name} has {c}" for c, name in sorted(channels.items()))
        raise InputError(
            f"{where}: images have different channel counts ({examples}); pass channels=1 or "
            f"channels=3 (command line: --channels) to convert them all."
        )
    if image_size is not None:
        size = tuple(image_size)
        return np.stack(
            [resize_to(x, size) if x.shape[:2] != size else x / np.float32(255) for x in images]
        ).astype(np.float32)
    sizes = {}
    for image, name in zip(images, names):
        sizes.setdefault(image.shape[:2], name)
    if len(sizes) > 1:
        examples = ", ".join(f"{name} is {h}x{w}" for (h, w), name in list(sizes.items())[:3])
        raise InputError(
            f"{where}: images have different sizes ({examples}); pass image_size=(H, W) "
            f"(command line: --image-size H W) to resize them."
        )
    return np.stack(images)
