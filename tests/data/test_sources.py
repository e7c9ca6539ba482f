"""Each data source reads real files into the right shapes, values and labels, and bad input
gets an error that names the file and what was wrong."""

import gzip
import io
import struct

import numpy as np
import pytest
import tensorflow as tf
from PIL import Image

from tfgen.data import load_dataset, read_arrays, write_tfrecord
from tfgen.data.idx import read_idx_file
from tfgen.errors import InputError

MNIST_TEST_LABEL_COUNTS = [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]


def test_digits_values_match_sklearn_scaled_to_tanh_range():
    arrays = read_arrays("digits")
    assert arrays.images.shape == (1797, 8, 8, 1)
    assert arrays.info.num_classes == 10
    ds = load_dataset("digits", batch_size=1, shuffle=False)
    first, label = next(iter(ds))
    # sklearn's digits.images[0][0] is [0, 0, 5, 13, 9, 1, 0, 0] on a 0..16 scale
    expected = np.array([0, 0, 5, 13, 9, 1, 0, 0]) / 16 * 2 - 1
    np.testing.assert_allclose(first[0, 0, :, 0].numpy(), expected, atol=1e-6)
    assert int(label[0]) == 0


def test_real_mnist_idx_folder(mnist_dir):
    arrays = read_arrays(str(mnist_dir))
    assert arrays.images.shape == (10000, 28, 28, 1)
    assert arrays.images.dtype == np.uint8
    assert list(arrays.labels[:10]) == [7, 2, 1, 0, 4, 1, 4, 9, 5, 9]
    assert list(np.bincount(arrays.labels)) == MNIST_TEST_LABEL_COUNTS
    assert arrays.info.kind == "idx" and arrays.info.num_classes == 10


def write_idx(path, array, type_code=0x08):
    header = bytes([0, 0, type_code, array.ndim]) + struct.pack(f">{array.ndim}I", *array.shape)
    data = header + array.astype(">u1").tobytes()
    path.write_bytes(gzip.compress(data) if path.suffix == ".gz" else data)


def test_idx_single_file_without_labels(tmp_path):
    images = np.arange(2 * 3 * 4, dtype=np.uint8).reshape(2, 3, 4)
    write_idx(tmp_path / "toy-images-idx3-ubyte", images)
    arrays = read_arrays(str(tmp_path / "toy-images-idx3-ubyte"))
    np.testing.assert_array_equal(arrays.images[..., 0], images)
    assert arrays.labels is None


def test_idx_truncated_file_names_file(tmp_path, mnist_dir):
    raw = gzip.decompress((mnist_dir / "t10k-images-idx3-ubyte.gz").read_bytes())
    bad = tmp_path / "t10k-images-idx3-ubyte"
    bad.write_bytes(raw[:5000])
    with pytest.raises(InputError, match="t10k-images-idx3-ubyte.*truncated"):
        read_idx_file(bad)


def test_idx_bad_magic_and_label_count_mismatch(tmp_path):
    (tmp_path / "x-images-idx3-ubyte").write_bytes(b"\x01\x02\x03\x04rest")
    with pytest.raises(InputError, match="not an IDX file"):
        read_arrays(str(tmp_path))
    write_idx(tmp_path / "x-images-idx3-ubyte", np.zeros((5, 2, 2), np.uint8))
    write_idx(tmp_path / "x-labels-idx1-ubyte", np.zeros(4, np.uint8))
    with pytest.raises(InputError, match="x-labels-idx1-ubyte: 5 images .* counts must match"):
        read_arrays(str(tmp_path))


def test_npz_uint8_and_float(tmp_path):
    x = np.random.default_rng(0).integers(0, 256, (6, 5, 5), dtype=np.uint8)
    np.savez(tmp_path / "a.npz", x=x, y=np.arange(6))
    arrays = read_arrays(str(tmp_path / "a.npz"))
    assert arrays.images.shape == (6, 5, 5, 1) and list(arrays.labels) == list(range(6))
    ds = load_dataset(str(tmp_path / "a.npz"), pixel_range=(0, 1), shuffle=False, batch_size=6)
    np.testing.assert_allclose(next(iter(ds))[0].numpy()[..., 0], x / 255, atol=1e-6)
    np.savez(tmp_path / "f.npz", x=np.full((2, 4, 4, 3), 0.25, np.float32))
    assert read_arrays(str(tmp_path / "f.npz")).images.dtype == np.float32


def test_npz_errors_name_the_file(tmp_path):
    np.savez(tmp_path / "nokey.npz", images=np.zeros((2, 4, 4)))
    with pytest.raises(InputError, match=r"nokey.npz: expected an array named 'x'.*\['images'\]"):
        read_arrays(str(tmp_path / "nokey.npz"))
    np.savez(tmp_path / "range.npz", x=np.full((2, 4, 4), 3.0))
    with pytest.raises(InputError, match=r"range.npz: float pixels must lie in \[0, 1\].*max=3"):
        read_arrays(str(tmp_path / "range.npz"))
    np.savez(tmp_path / "count.npz", x=np.zeros((3, 4, 4), np.uint8), y=np.zeros(2))
    with pytest.raises(InputError, match="count.npz: 3 images but 2 labels"):
        read_arrays(str(tmp_path / "count.npz"))
    (tmp_path / "junk.npz").write_bytes(b"not a zip")
    with pytest.raises(InputError, match="junk.npz: cannot read"):
        read_arrays(str(tmp_path / "junk.npz"))


def save_image(path, array, fmt=None):
    mode = "L" if array.ndim == 2 else "RGB"
    Image.fromarray(array.astype(np.uint8), mode).save(path, format=fmt)


def test_image_folder_with_class_subfolders_and_all_formats(tmp_path):
    rng = np.random.default_rng(0)
    (tmp_path / "cat").mkdir()
    (tmp_path / "dog").mkdir()
    save_image(tmp_path / "cat" / "a.png", rng.integers(0, 256, (8, 8)))
    save_image(tmp_path / "cat" / "b.jpg", rng.integers(0, 256, (8, 8)), "JPEG")
    save_image(tmp_path / "dog" / "c.bmp", rng.integers(0, 256, (8, 8)), "BMP")
    save_image(tmp_path / "dog" / "d.gif", rng.integers(0, 256, (6, 6)), "GIF")
    (tmp_path / "dog" / "notes.txt").write_text("not an image")
    arrays = read_arrays(str(tmp_path), image_size=(8, 8), channels=1)
    assert arrays.images.shape == (4, 8, 8, 1)
    assert list(arrays.labels) == [0, 0, 1, 1]
    assert arrays.info.class_names == ("cat", "dog")


def test_image_folder_png_pixels_are_exact(tmp_path):
    image = np.random.default_rng(1).integers(0, 256, (5, 7, 3)).astype(np.uint8)
    save_image(tmp_path / "x.png", image)
    arrays = read_arrays(str(tmp_path))
    np.testing.assert_array_equal(arrays.images[0], image)
    assert arrays.labels is None


def test_image_folder_errors(tmp_path):
    with pytest.raises(InputError, match="not found"):
        read_arrays(str(tmp_path / "missing"))
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(InputError, match="empty.*folder is empty"):
        read_arrays(str(empty))
    (empty / "readme.txt").write_text("x")
    with pytest.raises(InputError, match="no images found"):
        read_arrays(str(empty))
    sizes = tmp_path / "sizes"
    sizes.mkdir()
    save_image(sizes / "a.png", np.zeros((8, 8)))
    save_image(sizes / "b.png", np.zeros((9, 9)))
    with pytest.raises(InputError, match="different sizes.*image_size"):
        read_arrays(str(sizes))
    channels = tmp_path / "channels"
    channels.mkdir()
    save_image(channels / "gray.png", np.zeros((8, 8)))
    save_image(channels / "rgb.png", np.zeros((8, 8, 3)))
    with pytest.raises(InputError, match="gray.png has 1, rgb.png has 3"):
        read_arrays(str(channels))
    assert read_arrays(str(channels), channels=3).images.shape == (2, 8, 8, 3)


def test_corrupt_image_names_file_and_can_be_skipped(tmp_path, caplog):
    save_image(tmp_path / "good.png", np.full((4, 4), 200))
    buffer = io.BytesIO()
    Image.fromarray(np.zeros((4, 4), np.uint8)).save(buffer, format="PNG")
    (tmp_path / "broken.png").write_bytes(buffer.getvalue()[:30])  # truncated PNG
    with pytest.raises(InputError, match="broken.png: not a decodable"):
        read_arrays(str(tmp_path))
    arrays = read_arrays(str(tmp_path), skip_errors=True)
    assert arrays.images.shape == (1, 4, 4, 1)
    assert len(arrays.info.skipped) == 1 and "broken.png" in arrays.info.skipped[0]
    assert "skipped 1 unreadable" in caplog.text


def test_tfrecord_round_trip_and_gzip(tmp_path):
    rng = np.random.default_rng(2)
    images = rng.integers(0, 256, (7, 6, 6, 3), dtype=np.uint8)
    labels = rng.integers(0, 4, 7)
    for name in ("data.tfrecord", "data.tfrecord.gz"):
        write_tfrecord(tmp_path / name, images, labels)
        arrays = read_arrays(str(tmp_path / name))
        np.testing.assert_array_equal(arrays.images, images)
        np.testing.assert_array_equal(arrays.labels, labels)
    assert read_arrays(str(tmp_path / "*.tfrecord")).info.num_examples == 7


def test_tfrecord_errors_name_file_and_record(tmp_path):
    path = write_tfrecord(tmp_path / "d.tfrecord", np.zeros((3, 4, 4, 1), np.uint8))
    data = path.read_bytes()
    (tmp_path / "cut.tfrecord").write_bytes(data[: len(data) - 10])
    with pytest.raises(InputError, match="cut.tfrecord: corrupt TFRecord data"):
        read_arrays(str(tmp_path / "cut.tfrecord"))
    example = tf.train.Example(
        features=tf.train.Features(
            feature={"pixels": tf.train.Feature(int64_list=tf.train.Int64List(value=[1]))}
        )
    )
    with tf.io.TFRecordWriter(str(tmp_path / "nokey.tfrecord")) as w:
        w.write(example.SerializeToString())
    with pytest.raises(InputError, match=r"nokey.tfrecord \(record 0\): expected encoded image"):
        read_arrays(str(tmp_path / "nokey.tfrecord"))
