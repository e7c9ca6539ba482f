"""The pipeline: pixel ranges, seeded splits and shuffles, batching rules, argument errors."""

import numpy as np
import pytest

from tfgen.data import load_dataset
from tfgen.errors import InputError


def all_of(ds):
    xs, ys = zip(*[(x.numpy(), y.numpy()) for x, y in ds])
    return np.concatenate(xs), np.concatenate(ys)


def test_validation_split_is_disjoint_complete_and_repeatable(tmp_path):
    x = np.arange(50, dtype=np.uint8).reshape(50, 1, 1)
    np.savez(tmp_path / "d.npz", x=x, y=np.arange(50))
    train, val = load_dataset(
        str(tmp_path / "d.npz"), validation_split=0.2, subset="both", batch_size=7, seed=3
    )
    _, y_train = all_of(train)
    _, y_val = all_of(val)
    assert len(y_val) == 10 and len(y_train) == 40
    assert sorted(np.concatenate([y_train, y_val])) == list(range(50))
    again = load_dataset(
        str(tmp_path / "d.npz"), validation_split=0.2, subset="validation", batch_size=7, seed=3
    )
    assert sorted(all_of(again)[1]) == sorted(y_val)


def test_pixel_ranges_and_images_match_labels(tmp_path):
    x = np.array([0, 51, 255], np.uint8).reshape(3, 1, 1)
    np.savez(tmp_path / "d.npz", x=x, y=np.array([0, 51, 255]))
    for low, high in [(-1.0, 1.0), (0.0, 1.0)]:
        images, labels = all_of(load_dataset(str(tmp_path / "d.npz"), pixel_range=(low, high)))
        expected = low + (high - low) * labels / 255.0  # shuffled, but each image keeps its label
        np.testing.assert_allclose(images[:, 0, 0, 0], expected, atol=1e-6)


def test_shuffle_is_seeded_and_reshuffles_each_epoch():
    def order(seed):
        ds = load_dataset("digits", batch_size=2000, seed=seed, labels=False)
        return [next(iter(ds)).numpy().sum(axis=(1, 2, 3))[:20] for _ in range(2)]

    first, second = order(1), order(1)
    np.testing.assert_array_equal(first[0], second[0])
    assert not np.array_equal(first[0], first[1])  # a new order every epoch


def test_drop_remainder_applies_to_training_only():
    train, val = load_dataset(
        "digits", batch_size=64, validation_split=0.1, subset="both", drop_remainder=True
    )
    assert all(int(x.shape[0]) == 64 for x, _ in train)
    assert sum(int(x.shape[0]) for x, _ in val) == 179


def test_resize_and_channel_conversion():
    ds = load_dataset("digits", batch_size=4, image_size=16, channels=3, labels=False)
    assert next(iter(ds)).shape == (4, 16, 16, 3)


@pytest.mark.parametrize(
    "kwargs, message",
    [
        (dict(batch_size=0), "batch_size must be a positive integer"),
        (dict(validation_split=0.1), "validation_split and subset go together"),
        (dict(validation_split=1.5, subset="training"), "validation_split must be in"),
        (dict(subset="test", validation_split=0.1), "subset must be one of"),
        (dict(pixel_range=(1, -1)), "pixel_range must be"),
        (dict(channels=2), "channels must be None, 1 or 3"),
        (dict(image_size=(0, 8)), "image_size must be"),
    ],
)
def test_bad_arguments(kwargs, message):
    with pytest.raises(InputError, match=message):
        load_dataset("digits", **kwargs)


def test_unknown_source_lists_the_accepted_forms():
    with pytest.raises(
        InputError,
        match=r"not found: expected 'digits' .*'tfds:NAME\[:SPLIT\]'.*Received: 'nonexistent",
    ):
        load_dataset("nonexistent-folder")


def test_classes_keep_only_those_labels_before_the_split():
    from tfgen.data import load_examples

    images, labels = load_examples("digits", pixel_range=(0, 1), classes=[3, 9])
    assert set(labels.tolist()) == {3, 9} and len(labels) == 183 + 180
    train, val = load_dataset(
        "digits", classes=range(9), validation_split=0.1, subset="both", batch_size=2000
    )
    assert len(next(iter(val))[1]) == 161  # 10% of the 1617 digits 0-8
    assert 9 not in set(next(iter(train))[1].numpy().tolist())
    with pytest.raises(
        InputError,
        match=r"classes must be labels that digits holds: 0-9; no example has label\(s\) \[11\]",
    ):
        load_dataset("digits", classes=[11])


def test_load_examples_keeps_file_order():
    from tfgen.data import load_examples, read_arrays

    images, labels = load_examples("digits", pixel_range=(0, 1))
    arrays = read_arrays("digits")
    np.testing.assert_array_equal(labels, arrays.labels)
    np.testing.assert_allclose(images, arrays.images, atol=1e-6)


def test_a_batch_larger_than_the_data_is_refused_with_the_batch_size_that_fits():
    with pytest.raises(InputError) as error:
        load_dataset("digits", batch_size=4000, drop_remainder=True, classes=[3])
    assert str(error.value) == (
        "batch_size must be at most the number of training examples: digits has 183 "
        "training example(s) after the class filter, and training drops the last partial "
        "batch, so no batch would remain. Use a batch size of at most 183: tfgen train "
        "--batch-size 183, or batch_size=183 in tfgen.data.load_dataset / fit. "
        "Received: batch_size=4000"
    )


def test_few_steps_per_epoch_warn_with_the_batch_size_that_gives_enough():
    import warnings

    from tfgen.data.pipeline import MIN_STEPS_PER_EPOCH, FewStepsWarning, check_steps_per_epoch

    with pytest.warns(FewStepsWarning) as caught:  # 200 images at batch 64: 4 steps
        check_steps_per_epoch(4, batch_size=64, examples=200, who="DCGAN.fit")
    assert str(caught[0].message) == (
        "DCGAN.fit trains only 4 step(s) per epoch (200 training example(s) in batches of "
        "64): too few updates per epoch to learn much (GANs collapse on such runs). Use a "
        "batch size of at most 10: tfgen train --batch-size 10, or batch_size=10 in "
        "tfgen.data.load_dataset / fit."  # 200 / 20 = 10 gives 20 steps
    )
    with pytest.warns(FewStepsWarning, match=r"batches of 64\).* at most 9:"):
        check_steps_per_epoch(3, batch_size=64)  # at most 3 x 64 = 192 examples: 192 // 20
    with pytest.raises(InputError, match=r"no full batch of 64 .*Received: batch_size=64"):
        check_steps_per_epoch(0, batch_size=64)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # enough steps, or an unknown count: silent
        check_steps_per_epoch(MIN_STEPS_PER_EPOCH, batch_size=64, examples=1280)
        check_steps_per_epoch(None)
