"""Differentiable augmentation of the images a discriminator sees (DiffAugment, ADA).

Zhao et al. 2020, "Differentiable Augmentation for Data-Efficient GAN Training": augmenting
real and generated images alike, with transforms G's gradient can pass through, keeps D from
memorising a small training set without G learning to draw augmented images. Karras et al.
2020, "Training Generative Adversarial Networks with Limited Data" (ADA): each transform is
applied to each image with probability p, so that at p < 1 the augmentations do not "leak"
into G's distribution; p = 1 is DiffAugment.

The policies and their ranges are those of the DiffAugment reference code, which also works on
images in [-1, 1]:

- "color": brightness + U(-0.5, 0.5) (a quarter of the range either way), then saturation
  (each pixel's distance to its channel mean) x U(0, 2), then contrast (each pixel's distance
  to the image's mean) x U(0.5, 1.5). Saturation is the identity on 1-channel images. Values
  are not clipped: a tanh generator's images can leave [-1, 1], as in the reference.
- "translation": an integer shift of up to 1/8 of the height and of the width (rounded) each
  way, the uncovered border filled with 0 (mid-grey in [-1, 1]).
- "cutout": a square of half the height by half the width (rounded) set to 0, placed
  uniformly wholly inside the image (the reference may centre it on the border, where it
  covers less).

All randomness is stateless: a function of one int seed[2], drawn per image. Every draw is an
integer of the Philox algorithm, named (TensorFlow's "auto_select" picks another one under
XLA), and floats are made from integers here (XLA turns Philox bits into floats differently),
so eager, graph and XLA-compiled steps augment alike.
"""

import tensorflow as tf

from tfgen.errors import InputError

_ALG = "philox"
_GRID = 2**24  # float32 holds every k / 2^24 in [0, 1) exactly
TRANSLATION_RATIO = 0.125  # the largest shift, as a fraction of the size
CUTOUT_RATIO = 0.5  # the side of the cutout square, as a fraction of the size


def augment(images, policy, p, seed):
    """Each transform of `policy` applied to each image independently with probability p.

    Args:
        images: (B, H, W, C) in [-1, 1], any float dtype (kept).
        policy: names of `POLICIES`, applied in order: a tuple ("color", "translation") or a
            comma-separated string "color,translation"; empty: no augmentation.
        p: the probability of each transform per image, a float or scalar tensor in [0, 1].
            At p = 0 the output is exactly `images`.
        seed: int32 or int64 [2], the stateless seed of every draw.

    Returns:
        The augmented images, same shape and dtype; differentiable with respect to `images`.

    Raises:
        InputError: a name not in `POLICIES`.

    Example:
        augment(G(z), "color,translation,cutout", 1.0, tf.constant([0, 7]))  # DiffAugment
    """
    ops = [op for name in policy_names(policy) for op in POLICIES[name]]
    if not ops:
        return images
    p = tf.cast(p, tf.float32)
    batch = tf.shape(images)[0]
    for op in ops:
        key = tf.random.experimental.stateless_fold_in(seed, _OPS.index(op), alg=_ALG)
        gate_seed, op_seed = _split(key)
        applied = _uniform([batch], gate_seed) < p  # never at p = 0, always at p = 1
        images = tf.where(applied[:, None, None, None], op(images, op_seed), images)
    return images


def policy_names(policy):
    """The tuple of names in `policy` (a tuple, list or comma-separated string).

    Raises:
        InputError: a name not in `POLICIES`, or one given twice.
    """
    names = tuple(policy.split(",")) if isinstance(policy, str) else tuple(policy)
    names = tuple(name.strip() for name in names if name.strip())
    if any(name not in POLICIES for name in names) or len(set(names)) != len(names):
        raise InputError(
            f"augment policies must be names among {list(POLICIES)}, each once. "
            f"Received: augment={policy!r}"
        )
    return names


# ---- the transforms: (images, seed[2]) -> images --------------------------------------------


def _split(seed):
    """Two independent seeds from one."""
    return tf.unstack(tf.random.experimental.stateless_split(seed, 2, alg=_ALG))


def _uniform(shape, seed, low=0.0, high=1.0):
    """float32 U[low, high) on a grid of 2^-24, from integers (the same under XLA)."""
    steps = tf.random.stateless_uniform(shape, seed, 0, _GRID, tf.int32, alg=_ALG)
    return low + (high - low) * (tf.cast(steps, tf.float32) / _GRID)


def _per_image(images, seed, low, high):
    """U(low, high) per image, shaped (B, 1, 1, 1) to broadcast, in the images' dtype."""
    return tf.cast(_uniform([tf.shape(images)[0], 1, 1, 1], seed, low, high), images.dtype)


def brightness(images, seed):
    return images + _per_image(images, seed, -0.5, 0.5)


def saturation(images, seed):
    mean = tf.reduce_mean(images, axis=3, keepdims=True)  # (B, H, W, 1)
    return (images - mean) * _per_image(images, seed, 0.0, 2.0) + mean


def contrast(images, seed):
    mean = tf.reduce_mean(images, axis=[1, 2, 3], keepdims=True)  # (B, 1, 1, 1)
    return (images - mean) * _per_image(images, seed, 0.5, 1.5) + mean


def translation(images, seed):
    """A random integer shift of up to TRANSLATION_RATIO of each side, zero-filled."""
    rows_seed, cols_seed = _split(seed)
    batch, height, width = tf.unstack(tf.shape(images)[:3])
    return shift_images(
        images,
        _random_shifts(batch, height, rows_seed),
        _random_shifts(batch, width, cols_seed),
    )


def _random_shifts(batch, size, seed):
    """(B,) int32 uniform in [-m, m], m = round(size * TRANSLATION_RATIO)."""
    most = _fraction_of(size, TRANSLATION_RATIO)
    return tf.random.stateless_uniform([batch], seed, -most, most + 1, tf.int32, alg=_ALG)


def shift_images(images, rows, cols):
    """Image b moved down by rows[b] and right by cols[b] pixels (negative: up, left), the
    uncovered pixels 0: out[b, i, j] = images[b, i - rows[b], j - cols[b]]."""
    return _shift_along(_shift_along(images, rows, axis=1), cols, axis=2)


def _shift_along(images, shifts, axis):
    size = tf.shape(images)[axis]
    source = tf.range(size)[None, :] - tf.cast(shifts, tf.int32)[:, None]  # (B, size)
    source = tf.clip_by_value(source + 1, 0, size + 1)  # 0 and size + 1: the zero padding
    paddings = [[0, 0]] * 4
    paddings[axis] = [1, 1]
    return tf.gather(tf.pad(images, paddings), source, axis=axis, batch_dims=1)


def cutout(images, seed):
    """A zeroed rectangle of CUTOUT_RATIO of each side, at a uniform position inside."""
    rows_seed, cols_seed = _split(seed)
    batch, height, width = tf.unstack(tf.shape(images)[:3])
    rows = _random_span(batch, height, rows_seed)  # (B, H)
    cols = _random_span(batch, width, cols_seed)  # (B, W)
    inside = tf.logical_and(rows[:, :, None], cols[:, None, :])  # (B, H, W)
    return images * tf.cast(tf.logical_not(inside), images.dtype)[..., None]


def _random_span(batch, size, seed):
    """(B, size) bool: True on a run of round(size * CUTOUT_RATIO) positions, placed at random."""
    length = _fraction_of(size, CUTOUT_RATIO)
    start = tf.random.stateless_uniform([batch, 1], seed, 0, size - length + 1, tf.int32, alg=_ALG)
    positions = tf.range(size)[None, :]
    return tf.logical_and(positions >= start, positions < start + length)


def _fraction_of(size, ratio):
    """round(size * ratio) as int32 (halves up, as the reference's int(size * ratio + 0.5))."""
    return tf.cast(tf.cast(size, tf.float32) * ratio + 0.5, tf.int32)


POLICIES = {
    "color": (brightness, saturation, contrast),
    "translation": (translation,),
    "cutout": (cutout,),
}
_OPS = tuple(op for ops in POLICIES.values() for op in ops)  # an op's seed: its index here
