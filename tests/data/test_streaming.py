"""Streaming folders and TFRecords: the same images, labels, splits and errors as in memory."""

import re
import subprocess
import sys

import numpy as np
import pytest
import tensorflow as tf

from tfgen.data import ReadLog, load_dataset, write_tfrecord
from tfgen.data.streaming import StreamIndex, index_source
from tfgen.errors import InputError


def write_folder(root, n=20, size=(6, 5), channels=3, seed=0):
    rng = np.random.default_rng(seed)
    images = rng.integers(0, 256, (n, *size, channels)).astype(np.uint8)
    for i, image in enumerate(images):
        folder = root / ("a" if i % 2 else "b")
        folder.mkdir(parents=True, exist_ok=True)
        tf.io.write_file(str(folder / f"{i:03d}.png"), tf.io.encode_png(image))
    return images


def write_bad_files(folder, size=(6, 5), channels=3):
    """Two PNGs with valid headers that fail only when decoded: corrupt.png (its body cut and
    zeroed) and big.png (9x9, unlike the others)."""
    png = tf.io.encode_png(np.full((*size, channels), 9, np.uint8)).numpy()
    (folder / "corrupt.png").write_bytes(png[:40] + bytes(40))
    tf.io.write_file(str(folder / "big.png"), tf.io.encode_png(np.zeros((9, 9, channels), "uint8")))


# what the read log says of them (write_folder's first image is a/001.png)
CORRUPT = r"\S*corrupt\.png: not a decodable PNG/JPEG/BMP/GIF image \(Invalid PNG\. [^()]*\)\."
BIG = (
    r"\S*big\.png: 9x9 pixels with 3 channel\(s\); the first image, \S*a/001\.png, has 6x5 with 3\."
)
SKIP = r"Pass skip_errors=True \(--skip-errors\) to skip such files\."
CONVERT = r"Pass image_size=\(H, W\) and channels \(command line: --image-size H W, --channels C\)"


def batches(ds):
    return [tuple(t.numpy() for t in b) if isinstance(b, tuple) else b.numpy() for b in ds]


def both(source, **kwargs):
    kwargs.setdefault("batch_size", 4)
    return (
        batches(load_dataset(source, **kwargs)),
        batches(load_dataset(source, streaming=False, **kwargs)),
    )


def flat(batches_):
    return np.concatenate([x for x, _ in batches_]), np.concatenate([y for _, y in batches_])


def sorted_examples(batches_):
    x, y = flat(batches_)
    order = np.lexsort(x.reshape(len(x), -1).T[::-1])
    return x[order], y[order]


@pytest.mark.slow  # 6-11 s in the fast tier under xdist
def test_folder_streams_the_in_memory_batches_in_the_same_order(tmp_path):
    write_folder(tmp_path)
    assert isinstance(index_source(str(tmp_path)), StreamIndex)
    for kwargs in [
        {},
        {"shuffle": False},
        {"validation_split": 0.25, "subset": "training"},
        {"validation_split": 0.25, "subset": "validation"},
        {"image_size": (4, 4), "channels": 1, "pixel_range": (0, 1)},
        {"image_size": (6, 5)},
        {"classes": [1], "drop_remainder": True},
    ]:
        streamed, in_memory = both(str(tmp_path), seed=5, **kwargs)
        assert len(streamed) == len(in_memory), kwargs
        for (xs, ys), (xm, ym) in zip(streamed, in_memory):
            assert xs.dtype == xm.dtype == np.float32
            np.testing.assert_array_equal(xs, xm, err_msg=str(kwargs))
            np.testing.assert_array_equal(ys, ym)


def test_folder_info_and_split_sizes(tmp_path):
    write_folder(tmp_path)
    (train, val), info = load_dataset(
        str(tmp_path), validation_split=0.2, subset="both", batch_size=3, return_info=True
    )
    assert info.kind == "folder" and info.num_examples == 20 and info.num_classes == 2
    assert info.image_shape == (6, 5, 3) and info.class_names == ("a", "b")
    assert len(flat(batches(train))[1]) == 16 and len(flat(batches(val))[1]) == 4
    assert train.element_spec[0].shape.as_list() == [None, 6, 5, 3]


@pytest.mark.slow  # 6-12 s in the fast tier under xdist
def test_tfrecord_streams_the_in_memory_examples(tmp_path):
    rng = np.random.default_rng(2)
    images = rng.integers(0, 256, (23, 5, 4, 1)).astype(np.uint8)
    write_tfrecord(tmp_path / "a-0.tfrecord", images[:10], np.arange(10) % 3)
    write_tfrecord(tmp_path / "a-1.tfrecord.gz", images[10:], np.arange(10, 23) % 3)
    assert isinstance(index_source(str(tmp_path / "a-*.tfrecord*")), StreamIndex)
    for kwargs in [
        {},
        {"validation_split": 0.3, "subset": "validation"},
        {"image_size": 3, "channels": 3, "classes": [0, 2]},
    ]:
        streamed, in_memory = both(str(tmp_path / "a-*.tfrecord*"), **kwargs)
        for s, m in zip(sorted_examples(streamed), sorted_examples(in_memory)):
            np.testing.assert_array_equal(s, m, err_msg=str(kwargs))
    # one file: shards are not interleaved, so even the order is the in-memory one
    streamed, in_memory = both(str(tmp_path / "a-0.tfrecord"), seed=1)
    np.testing.assert_array_equal(flat(streamed)[0], flat(in_memory)[0])
    _, info = load_dataset(str(tmp_path), return_info=True)
    assert (info.kind, info.num_examples, info.num_classes) == ("tfrecord", 23, 3)


def test_bad_file_is_named_or_skipped_and_listed(tmp_path):
    write_folder(tmp_path, n=6)
    (tmp_path / "a" / "zz.png").write_bytes(b"this is not a png at all")
    with pytest.raises(InputError, match=r"zz\.png.*not a decodable.*skip_errors"):
        load_dataset(str(tmp_path))
    ds, info = load_dataset(str(tmp_path), skip_errors=True, return_info=True, batch_size=2)
    assert len(info.skipped) == 1 and "zz.png" in info.skipped[0]
    assert info.num_examples == 6 and len(flat(batches(ds))[1]) == 6


def test_a_tfrecord_record_that_is_not_an_image_is_named_or_dropped(tmp_path):
    path = tmp_path / "d.tfrecord"
    write_tfrecord(path, np.zeros((3, 4, 4, 1), np.uint8), [0, 1, 2])
    with tf.io.TFRecordWriter(str(tmp_path / "e.tfrecord")) as writer:
        feature = {
            "image": tf.train.Feature(bytes_list=tf.train.BytesList(value=[b"garbage bytes"])),
            "label": tf.train.Feature(int64_list=tf.train.Int64List(value=[1])),
        }
        writer.write(
            tf.train.Example(features=tf.train.Features(feature=feature)).SerializeToString()
        )
    log = ReadLog()
    with pytest.raises(tf.errors.InvalidArgumentError, match=r"e\.tfrecord \(record 0\)") as e:
        batches(load_dataset(str(tmp_path), read_log=log))
    named = r"\S*e\.tfrecord \(record 0\): not a decodable .*b'garbage ', no image header\)\."
    assert re.fullmatch(
        rf"{named} Pass skip_errors=True .* to skip such records\.", str(log.explain(e.value))
    )
    log = ReadLog()
    assert len(flat(batches(load_dataset(str(tmp_path), skip_errors=True, read_log=log)))[1]) == 3
    assert len(log.failed()) == 1 and re.fullmatch(named, log.failed()[0])


def test_mixed_sizes_fail_naming_the_file_unless_resized(tmp_path):
    write_folder(tmp_path, n=4)
    tf.io.write_file(
        str(tmp_path / "b" / "big.png"), tf.io.encode_png(np.zeros((9, 9, 3), "uint8"))
    )
    with pytest.raises(tf.errors.InvalidArgumentError, match="big.png"):
        batches(load_dataset(str(tmp_path)))
    assert len(flat(batches(load_dataset(str(tmp_path), image_size=(6, 5))))[1]) == 5


@pytest.mark.parametrize("mark", [True, False])
def test_a_read_log_names_the_files_that_fail_only_when_read(tmp_path, caplog, mark):
    write_folder(tmp_path, n=8)
    write_bad_files(tmp_path / "a")
    log = ReadLog(mark=mark)  # mark=False: the scan used under op determinism
    with pytest.raises(tf.errors.InvalidArgumentError) as failure:  # TensorFlow's error...
        batches(load_dataset(str(tmp_path), batch_size=4, read_log=log))
    error = log.explain(failure.value)  # ... and the file behind it, with what to do
    assert isinstance(error, InputError)
    assert re.fullmatch(rf"{CORRUPT} {SKIP}|{BIG} {CONVERT}.*--skip-errors.*", str(error)), error

    log = ReadLog(mark=mark)
    ds = load_dataset(str(tmp_path), batch_size=4, skip_errors=True, read_log=log)
    assert len(flat(batches(ds))[1]) == 8  # the others, every one
    big, corrupt = log.failed()  # in folder order, each with its reason
    assert re.fullmatch(BIG, big) and re.fullmatch(CORRUPT, corrupt), log.failed()
    assert log.report() == (big, corrupt)
    assert "skipped 2 unreadable image file(s)" in caplog.text and "big.png" in caplog.text
    assert log.explain(failure.value) is None  # skipped files never raise: not their error


def test_a_read_log_of_a_source_read_into_memory_stays_empty_and_serves_one_dataset(tmp_path):
    log = ReadLog()
    load_dataset("digits", read_log=log)
    assert (
        log.failed() == () and log.explain(tf.errors.InvalidArgumentError(None, None, "x")) is None
    )
    write_folder(tmp_path, n=4)
    load_dataset(str(tmp_path), read_log=log)
    with pytest.raises(InputError, match=r"read_log is already recording another dataset; pass"):
        load_dataset(str(tmp_path), read_log=log)


def test_seeded_order_is_the_same_across_builds_and_reshuffles_each_epoch(tmp_path):
    write_folder(tmp_path)

    def epochs(**kwargs):
        ds = load_dataset(str(tmp_path), batch_size=5, seed=7, **kwargs)
        return [flat(batches(ds))[0] for _ in range(2)]

    for kwargs in [{}, {"cache": False}]:
        first, second = epochs(**kwargs), epochs(**kwargs)
        for a, b in zip(first, second):
            np.testing.assert_array_equal(a, b)
        assert not np.array_equal(first[0], first[1])


@pytest.mark.slow  # 6-11 s in the fast tier under xdist
def test_seeded_order_is_the_same_in_another_process(tmp_path):
    write_folder(tmp_path)
    # tf.data combines the op seed with the global one, which `train` sets from its seed
    # (tfgen.runtime.start_runtime): set it alike in both processes, as two runs would
    code = (
        "import sys, numpy as np, tensorflow as tf; from tfgen.data import load_dataset; "
        "tf.random.set_seed(0); "
        f"ds = load_dataset({str(tmp_path)!r}, batch_size=5, seed=7); "
        "[np.save(sys.argv[1] + str(e), next(iter(ds))[0].numpy()) for e in range(2)]"
    )
    subprocess.run([sys.executable, "-c", code, str(tmp_path / "epoch")], check=True)
    tf.random.set_seed(0)
    ds = load_dataset(str(tmp_path), batch_size=5, seed=7)
    for epoch in range(2):
        here = next(iter(ds))[0].numpy()
        np.testing.assert_array_equal(here, np.load(tmp_path / f"epoch{epoch}.npy"))


def test_large_data_is_not_cached_and_shuffles_file_order(tmp_path, monkeypatch):
    import tfgen.data.streaming as streaming

    write_folder(tmp_path)
    monkeypatch.setattr(streaming, "CACHE_BUDGET_BYTES", 100)
    monkeypatch.setattr(streaming, "SHUFFLE_BUFFER", 3)
    ds = load_dataset(str(tmp_path), batch_size=20, seed=1)
    first, second = (flat(batches(ds)) for _ in range(2))
    assert sorted(first[1]) == sorted(second[1]) and len(first[1]) == 20
    assert not np.array_equal(first[0], second[0])
    in_memory = flat(batches(load_dataset(str(tmp_path), batch_size=20, streaming=False)))
    for s, m in zip(sorted_examples([first]), sorted_examples([in_memory])):
        np.testing.assert_array_equal(s, m)


@pytest.mark.slow
def test_a_resumed_run_on_a_streamed_folder_ends_on_the_uninterrupted_weights(tmp_path):
    from tfgen.training import train

    write_folder(tmp_path / "data", n=40, size=(8, 8), channels=1)
    ae = {"architecture": "dense", "widths": [16], "code_size": 2}

    def run(workdir, epochs):
        return train("ae", str(tmp_path / "data"), epochs=epochs, workdir=tmp_path / workdir,
                     batch_size=8, hparams=ae, verbose=0, seed=3)  # fmt: skip

    straight = run("straight", 2)
    run("resumed", 1)
    resumed = run("resumed", 2)
    for a, b in zip(straight.model.get_weights(), resumed.model.get_weights()):
        np.testing.assert_array_equal(a, b)
