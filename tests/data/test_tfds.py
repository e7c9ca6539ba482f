"""`tfds:` sources, tested with TFDS's own mock data (no download), and the offline error."""

import numpy as np
import pytest
import tensorflow_datasets as tfds

from tfgen.data import load_dataset, tfds_source
from tfgen.errors import InputError


def test_tfds_mnist_with_mock_data():
    with tfds.testing.mock_data(num_examples=20):
        ds, info = load_dataset("tfds:mnist", batch_size=8, shuffle=False, return_info=True)
        batches = list(ds)
    assert [int(b[0].shape[0]) for b in batches] == [8, 8, 4]
    images, labels = batches[0]
    assert images.shape[1:] == (28, 28, 1)
    assert float(images.numpy().min()) >= -1.0 and float(images.numpy().max()) <= 1.0
    assert info.num_classes == 10 and info.kind == "tfds"
    assert set(labels.numpy()) <= set(range(10))


def test_tfds_cifar10_colour_split_with_mock_data():
    with tfds.testing.mock_data(num_examples=6):
        x, y = next(iter(load_dataset("tfds:cifar10:test", batch_size=6, pixel_range=(0, 1))))
    assert x.shape == (6, 32, 32, 3) and y.shape == (6,)


class TfgenToyImages(tfds.core.GeneratorBasedBuilder):
    """A real TFDS dataset prepared offline: image i is filled with the value i."""

    VERSION = tfds.core.Version("1.0.0")

    def _info(self):
        return self.dataset_info_from_configs(
            features=tfds.features.FeaturesDict(
                {
                    "image": tfds.features.Image(shape=(4, 4, 1)),
                    "label": tfds.features.ClassLabel(num_classes=4),
                }
            )
        )

    def _split_generators(self, dl_manager):
        return {"train": self._generate_examples()}

    def _generate_examples(self):
        for i in range(40):
            yield i, {"image": np.full((4, 4, 1), i, np.uint8), "label": i % 4}


def test_tfds_validation_split_uses_tfds_slicing(tmp_path):
    TfgenToyImages(data_dir=str(tmp_path)).download_and_prepare()
    train, val = load_dataset(
        "tfds:tfgen_toy_images",
        tfds_data_dir=str(tmp_path),
        pixel_range=(0, 255),
        validation_split=0.25,
        subset="both",
        batch_size=100,
    )
    (x_train, _), (x_val, y_val) = next(iter(train)), next(iter(val))
    ids_train = np.round(x_train.numpy()[:, 0, 0, 0]).astype(int)
    ids_val = np.round(x_val.numpy()[:, 0, 0, 0]).astype(int)
    assert len(ids_train) == 30 and len(ids_val) == 10
    assert sorted(np.concatenate([ids_train, ids_val])) == list(range(40))
    np.testing.assert_array_equal(y_val.numpy(), ids_val % 4)


def test_tfds_offline_fails_fast_with_instructions(tmp_path, monkeypatch):
    monkeypatch.setattr(tfds_source, "download_host_reachable", lambda timeout=3.0: False)
    with pytest.raises(InputError, match=r"tfds:mnist: .*offline.*tfds build mnist"):
        load_dataset("tfds:mnist", tfds_data_dir=str(tmp_path))


def test_tfds_unknown_dataset():
    with pytest.raises(InputError, match="no dataset 'no_such_dataset'"):
        load_dataset("tfds:no_such_dataset")
