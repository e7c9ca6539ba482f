"""The preview behind TensorBoard's images: read from the start of the training data, and only
as far as it needs unless the data is cached."""

import pytest
import tensorflow as tf

from tfgen.data import is_cached, load_dataset
from tfgen.training.run import PREVIEW_EXAMPLES, _preview


def failing_after(n):
    """Images (2x2x1 zeros) that fail to read after the first `n`, like a file gone bad."""

    def read(i):
        with tf.control_dependencies([tf.debugging.assert_less(i, tf.constant(n, tf.int64))]):
            return tf.zeros((2, 2, 1)) + tf.cast(i, tf.float32)

    return tf.data.Dataset.range(4 * n).map(read)


def test_a_streamed_dataset_is_read_only_as_far_as_the_preview_needs():
    images, labels = _preview(failing_after(1000).batch(64))
    assert images.shape == (PREVIEW_EXAMPLES, 2, 2, 1) and labels is None
    assert images[:, 0, 0, 0].tolist() == list(range(PREVIEW_EXAMPLES))


def test_a_cached_dataset_is_read_to_the_end_to_fill_its_cache():
    with pytest.raises(tf.errors.InvalidArgumentError, match="assert_less"):
        _preview(failing_after(1000).cache().batch(64))


def test_is_cached_tells_cached_data_from_streamed_data(tmp_path):
    assert is_cached(load_dataset("digits", batch_size=64))
    assert not is_cached(load_dataset("digits", batch_size=64, cache=False))
    assert is_cached(load_dataset("digits", batch_size=64, cache=str(tmp_path / "cache")))
