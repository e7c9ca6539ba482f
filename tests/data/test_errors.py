"""Bad data gets one clear error naming the file, record, feature or argument: malformed
TFRecord features, --classes naming labels the data lacks, a batch larger than the data."""

import numpy as np
import pytest
import tensorflow as tf

from tfgen.data import load_dataset, read_arrays, write_tfrecord
from tfgen.errors import InputError

PNG = tf.io.encode_png(np.full((4, 4, 1), 200, np.uint8)).numpy()


def bytes_feature(*values):
    return tf.train.Feature(bytes_list=tf.train.BytesList(value=list(values)))


def int64_feature(*values):
    return tf.train.Feature(int64_list=tf.train.Int64List(value=list(values)))


def write_examples(path, features):
    with tf.io.TFRecordWriter(str(path)) as writer:
        for feature in features:
            example = tf.train.Example(features=tf.train.Features(feature=feature))
            writer.write(example.SerializeToString())
    return str(path)


@pytest.mark.parametrize(
    "image, received",
    [
        (bytes_feature(), "Received: an empty bytes_list"),
        (bytes_feature(b""), r"Received: empty image bytes \(b''\)"),
        (bytes_feature(PNG, PNG), "Received: 2 values"),
        (int64_feature(7), r"Received: an int64_list \[7\]"),
    ],
)
def test_bad_image_feature_names_file_record_and_key_and_can_be_skipped(
    tmp_path, caplog, image, received
):
    path = write_examples(
        tmp_path / "d.tfrecord",
        [{"image": bytes_feature(PNG)}, {"image": image}, {"image": bytes_feature(PNG)}],
    )
    with pytest.raises(
        InputError,
        match=rf"d.tfrecord \(record 1\): feature 'image' must be a bytes_list holding one "
        rf"encoded PNG/JPEG/BMP/GIF image. {received}.*--skip-errors",
    ):
        read_arrays(path)
    arrays = read_arrays(path, skip_errors=True)
    assert arrays.images.shape == (2, 4, 4, 1)
    assert len(arrays.info.skipped) == 1 and "(record 1): feature 'image'" in arrays.info.skipped[0]
    assert "skipped 1 unreadable record(s)" in caplog.text


def test_label_stored_as_bytes_is_named_and_a_whole_file_of_them_is_not_skipped(tmp_path):
    good = {"image": bytes_feature(PNG), "label": int64_feature(3)}
    bad = {"image": bytes_feature(PNG), "label": bytes_feature(b"cat")}
    mixed = write_examples(tmp_path / "mixed.tfrecord", [good, bad, good])
    expected = "feature 'label' must be an int64_list holding one integer class label"
    with pytest.raises(
        InputError, match=rf"mixed.tfrecord \(record 1\): {expected}. Received: a bytes_list"
    ):
        read_arrays(mixed)
    arrays = read_arrays(mixed, skip_errors=True)
    assert arrays.labels.tolist() == [3, 3] and len(arrays.info.skipped) == 1

    strings = write_examples(tmp_path / "strings.tfrecord", [bad, bad])
    with pytest.raises(
        InputError,
        match=rf"strings.tfrecord: {expected}; all 2 records store it otherwise .* "
        r"Received: a bytes_list \[b'cat'\] in record 0",
    ):
        read_arrays(strings, skip_errors=True)
    with pytest.raises(InputError, match=r"\(record 0\): feature 'label' .* Received: 2 values"):
        read_arrays(
            write_examples(tmp_path / "two.tfrecord", [{**good, "label": int64_feature(1, 2)}])
        )


def test_classes_the_data_lacks_are_refused_with_the_labels_it_has(tmp_path):
    with pytest.raises(
        InputError,
        match=r"classes must be labels that digits holds: 0-9; no example has label\(s\) \[11\]\."
        r" Received: classes=0-8,11",
    ):
        load_dataset("digits", classes=[*range(9), 11])
    path = write_tfrecord(
        tmp_path / "gaps.tfrecord", np.zeros((4, 4, 4, 1), np.uint8), labels=[0, 1, 2, 5]
    )
    with pytest.raises(InputError, match=r"holds: 0-2,5; no example has label\(s\) \[3, 4\]"):
        load_dataset(str(path), classes=[0, 3, 4])


def test_batch_larger_than_the_training_examples_is_refused_when_dropping_the_remainder():
    with pytest.raises(
        InputError,
        match=r"batch_size must be at most .*: digits has 1797 training example\(s\), .* "
        r"Received: batch_size=4000",
    ):
        load_dataset("digits", batch_size=4000, drop_remainder=True)
    with pytest.raises(
        InputError,
        match=r"digits has 1456 training example\(s\) after the validation split and the class "
        r"filter.* Received: batch_size=1500",
    ):
        load_dataset(
            "digits",
            batch_size=1500,
            drop_remainder=True,
            classes=range(9),
            validation_split=0.1,
            subset="both",
        )
    # keeping the partial batch, one batch of all 1797 is fine
    assert len(list(load_dataset("digits", batch_size=4000))) == 1


def test_a_split_leaving_a_subset_empty_names_validation_split_and_the_count():
    with pytest.raises(
        InputError,
        match=r"validation_split must keep .*: digits has 183 example\(s\) after the class "
        r"filter, which leaves the validation subset empty. Received: validation_split=0.001",
    ):
        load_dataset("digits", classes=[3], validation_split=0.001, subset="training")


def test_tfds_classes_and_batch_size_are_checked_without_reading_the_data():
    import tensorflow_datasets as tfds

    with tfds.testing.mock_data(num_examples=20):
        with pytest.raises(
            InputError,
            match=r"classes must be labels that tfds:mnist holds: 0-9; no example has label\(s\) "
            r"\[11\]. Received: classes=0-8,11",
        ):
            load_dataset("tfds:mnist", classes=[*range(9), 11])
        with pytest.raises(
            InputError, match=r"tfds:mnist has 20 training example\(s\).*batch_size=64"
        ):
            load_dataset("tfds:mnist", batch_size=64, drop_remainder=True)


@pytest.mark.parametrize("classes", [[], ["3"], [1.5], [-1], 3, [True]])
def test_classes_must_be_a_list_of_labels(classes):
    with pytest.raises(InputError, match=r"classes must be a non-empty list of labels.*Received"):
        load_dataset("digits", classes=classes)
