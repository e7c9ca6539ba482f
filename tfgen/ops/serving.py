"""In-graph request checks every serving signature runs before any model computation, and the
rule for names that become folders.

TF Serving checks only dtypes, so each endpoint checks shape, batch size, finiteness and range
in the graph: a bad request fails with an InvalidArgument naming the input, not deep inside a
Conv2D, and an oversized one fails before it allocates anything. The checks gate the
computation (`gated`): without a control dependency the model could run first. Endpoints run
with autograph off: no Python `if` on tensors here.
"""

from typing import NamedTuple

import tensorflow as tf

from tfgen.errors import InputError
from tfgen.utils.names import check_model_name  # noqa: F401 (its home before; re-exported)

DEFAULT_MAX_BATCH = 1024  # rows per request; one request of 100,000 seeds took 34 s and 3.8 GB


class Endpoint(NamedTuple):
    """One serving signature: its traced function, named input specs, output names, and the
    sub-models whose variables it reads (what the SavedModel must carry)."""

    fn: object
    input_specs: list
    outputs: list
    resources: list


def check_max_batch(max_batch):
    """`max_batch` if it is a positive int, else InputError."""
    if isinstance(max_batch, bool) or not isinstance(max_batch, int) or max_batch < 1:
        raise InputError(f"max_batch must be a positive integer. Received: max_batch={max_batch!r}")
    return max_batch


def gated(tensor, *checks):
    """`tensor`, readable only after every check has passed (each raises its own message)."""
    with tf.control_dependencies([check for check in checks if check is not None]):
        return tf.identity(tensor)


def checked_batch(tensor, max_batch, where):
    """`tensor` (rows along dimension 0), readable only if it has 1 to `max_batch` rows.

    Errors: "<where>: empty batch ..." and "<where>: batch of N exceeds max_batch M".
    """
    rows = tf.shape(tensor, out_type=tf.int64)[0]
    return gated(
        tensor,
        tf.debugging.Assert(
            rows > 0, [f"{where}: empty batch: send at least one row (max_batch {max_batch})"]
        ),
        tf.debugging.Assert(
            rows <= max_batch,
            [tf.strings.format(f"{where}: batch of {{}} exceeds max_batch {max_batch}", rows)],
        ),
    )


def checked_latents(z, latent_dim, where, max_batch, name="z"):
    """Latents (B, latent_dim), 1 <= B <= max_batch, finite."""
    z = checked_batch(tf.ensure_shape(z, [None, latent_dim]), max_batch, where)
    return gated(z, tf.debugging.assert_all_finite(z, f"{where}: {name} must be finite"))


def checked_images(images, image_shape, where, max_batch):
    """Images (B, H, W, C), 1 <= B <= max_batch, finite, in [0, 1]."""
    images = checked_batch(tf.ensure_shape(images, [None, *image_shape]), max_batch, where)
    message = f"{where}: images must be in [0, 1] (divide 8-bit pixels by 255)"
    return gated(
        images,
        tf.debugging.assert_all_finite(images, f"{where}: images must be finite"),
        tf.debugging.assert_greater_equal(images, 0.0, message=message),
        tf.debugging.assert_less_equal(images, 1.0, message=message),
    )


def checked_seeds(seed, truncation, where, max_batch):
    """(seed, truncation), one value each per image: 1 <= B <= max_batch, psi in (0, 1]."""
    seed = checked_batch(tf.ensure_shape(seed, [None]), max_batch, where)
    truncation = tf.ensure_shape(truncation, [None])
    message = f"{where}: truncation must be in (0, 1]"
    checks = [
        tf.debugging.assert_equal(
            tf.shape(seed),
            tf.shape(truncation),
            message=f"{where}: seed and truncation need one value per image (equal lengths)",
        ),
        tf.debugging.assert_all_finite(truncation, f"{where}: truncation must be finite"),
        tf.debugging.assert_positive(truncation, message=message),
        tf.debugging.assert_less_equal(truncation, 1.0, message=message),
    ]
    return gated(seed, *checks), gated(truncation, *checks)


def checked_labels(label, rows_of, num_classes, where):
    """Class labels (B,) int64, one per row of `rows_of`, in [0, num_classes), as int32."""
    label = tf.ensure_shape(label, [None])
    message = f"{where}: label must be in [0, {num_classes})"
    label = gated(
        label,
        tf.debugging.assert_equal(
            tf.shape(label),
            tf.shape(rows_of)[:1],
            message=f"{where}: label needs one value per image",
        ),
        tf.debugging.assert_non_negative(label, message=message),
        tf.debugging.assert_less(label, tf.constant(num_classes, tf.int64), message=message),
    )
    return tf.cast(label, tf.int32)
