"""Named datasets (mnist, fashion_mnist) and the train/test splits of IDX folders."""

import gzip
import struct

import numpy as np
import pytest

from tfgen.data import load_dataset, named, read_arrays, tfds_source
from tfgen.errors import InputError


def write_idx(path, array):
    """An IDX file (gzipped when the name ends in .gz) of a uint8 array."""
    array = np.asarray(array, np.uint8)
    raw = bytes([0, 0, 0x08, array.ndim]) + struct.pack(f">{array.ndim}I", *array.shape)
    raw += array.tobytes()
    path.write_bytes(gzip.compress(raw) if path.suffix == ".gz" else raw)


def write_split(folder, prefix, n, value):
    """n 6x6 images all equal to `value`, labelled value % 10."""
    folder.mkdir(parents=True, exist_ok=True)
    write_idx(folder / f"{prefix}-images-idx3-ubyte.gz", np.full((n, 6, 6), value))
    write_idx(folder / f"{prefix}-labels-idx1-ubyte.gz", np.full((n,), value % 10))


@pytest.fixture
def data_dir(tmp_path, monkeypatch):
    """$TFGEN_DATA_DIR with a fake fashion-mnist (5 train, 3 test) and a test-only mnist, and
    no other place to find them (the walk up and the system folder point into tmp_path)."""
    root = tmp_path / "datasets"
    write_split(root / "fashion-mnist", "train", 5, 1)
    write_split(root / "fashion-mnist", "t10k", 3, 2)
    write_split(root / "mnist", "t10k", 4, 3)
    monkeypatch.setenv("TFGEN_DATA_DIR", str(root))
    monkeypatch.setattr(named, "SYSTEM_DIR", tmp_path / "system")
    monkeypatch.setattr(named, "search_starts", lambda: [tmp_path / "cwd"])
    monkeypatch.setattr(tfds_source, "download_host_reachable", lambda timeout=3.0: False)
    return root


def test_named_train_and_test_splits_from_tfgen_data_dir(data_dir):
    train, test = read_arrays("fashion_mnist"), read_arrays("fashion_mnist:test")
    assert train.images.shape == (5, 6, 6, 1) and set(train.images.ravel()) == {1}
    assert test.images.shape == (3, 6, 6, 1) and set(test.images.ravel()) == {2}
    assert len(read_arrays("fashion_mnist:train").images) == 5
    assert test.info.source == "fashion_mnist:test"
    assert len(read_arrays("mnist:test").images) == 4


def test_underscore_folder_spelling_is_accepted(data_dir):
    (data_dir / "fashion-mnist").rename(data_dir / "fashion_mnist")
    assert len(read_arrays("fashion_mnist:test").images) == 3


def test_load_dataset_reads_the_named_split(data_dir):
    ds = load_dataset("fashion_mnist:test", batch_size=3, pixel_range=(0.0, 1.0), shuffle=False)
    images, labels = next(iter(ds))
    assert images.shape == (3, 6, 6, 1) and set(labels.numpy()) == {2}


def test_idx_folder_with_both_splits_never_mixes_them(data_dir):
    folder = data_dir / "fashion-mnist"
    default, test = read_arrays(str(folder)), read_arrays(f"{folder}:test")
    assert len(default.images) == 5 and set(default.images.ravel()) == {1}
    assert len(test.images) == 3 and set(test.images.ravel()) == {2}
    assert len(read_arrays(f"{folder}:train").images) == 5


def test_idx_folder_with_only_test_files_gives_them(data_dir):
    folder = data_dir / "mnist"
    assert len(read_arrays(str(folder)).images) == 4
    assert len(read_arrays(f"{folder}:test").images) == 4
    with pytest.raises(InputError, match=r"no train split in .*Splits it holds: \['test'\]"):
        read_arrays(f"{folder}:train")


def test_bad_split_names_are_refused(data_dir):
    with pytest.raises(InputError, match=r"split must be one of \['train', 'test'\].*bogus"):
        read_arrays("fashion_mnist:bogus")
    with pytest.raises(InputError, match=r"':SPLIT' must be one of .*Received: split='val'"):
        read_arrays(f"{data_dir / 'fashion-mnist'}:val")


def test_missing_split_lists_every_place_and_how_to_get_it(data_dir, tmp_path):
    with pytest.raises(InputError) as caught:
        load_dataset("mnist:train", batch_size=2, pixel_range=(0.0, 1.0), tfds_data_dir=tmp_path)
    message = str(caught.value)
    assert message.startswith("mnist:train: the train split of mnist was not found")
    for place in (
        data_dir / "mnist",
        tmp_path / "system" / "mnist",
        tmp_path / "cwd" / "shared" / "data" / "mnist",
    ):
        assert str(place) in message
    assert "offline" in message and "TFDS" in message


def test_fashion_not_found_says_apt_get(data_dir, tmp_path):
    (data_dir / "fashion-mnist").rename(tmp_path / "gone")
    with pytest.raises(InputError, match="apt-get install dataset-fashion-mnist"):
        load_dataset("fashion_mnist", batch_size=2, pixel_range=(0.0, 1.0), tfds_data_dir=tmp_path)


def test_shared_data_found_walking_up(data_dir, tmp_path, monkeypatch):
    monkeypatch.delenv("TFGEN_DATA_DIR")
    write_split(tmp_path / "shared" / "data" / "fashion-mnist", "t10k", 2, 7)
    deep = tmp_path / "a" / "b"
    monkeypatch.setattr(named, "search_starts", lambda: [deep])
    assert len(read_arrays("fashion_mnist:test").images) == 2


def test_real_fashion_mnist_split_sizes(monkeypatch, fashion_dir):
    monkeypatch.setenv("TFGEN_DATA_DIR", str(fashion_dir.parent))
    train, test = read_arrays("fashion_mnist"), read_arrays("fashion_mnist:test")
    assert train.images.shape == (60000, 28, 28, 1) and test.images.shape == (10000, 28, 28, 1)
    assert train.info.num_classes == 10 and test.info.num_classes == 10


def test_cli_refuses_a_bad_split_in_one_line(tmp_path, capsys):
    from tfgen import cli

    workdir = tmp_path / "run"
    argv = ["train", "dcgan", "--data", "fashion_mnist:bogus", "--epochs", "1"]
    with pytest.raises(SystemExit) as exit_:
        cli.main([*argv, "--workdir", str(workdir)])
    assert exit_.value.code == 2
    err = capsys.readouterr().err
    assert err.startswith("tfgen train: error: ") and err.count("\n") == 1, err
    assert "fashion_mnist:bogus" in err and not workdir.exists()


def test_test_split_of_a_train_source(data_dir, tmp_path):
    from tfgen.data import official_test_split

    folder = data_dir / "fashion-mnist"
    assert official_test_split("fashion_mnist") == "fashion_mnist:test"
    assert official_test_split("fashion_mnist:train") == "fashion_mnist:test"
    assert official_test_split("fashion_mnist:test") is None
    assert official_test_split(str(folder)) == f"{folder}:test"
    assert official_test_split(f"{folder}:train") == f"{folder}:test"
    assert official_test_split(str(data_dir / "mnist")) is None  # its only split
    assert official_test_split("digits") is None and official_test_split("tfds:mnist") is None


def test_evaluate_defaults_to_the_test_split_of_the_runs_data(monkeypatch):
    from tfgen.evaluation import data as evaluation_data

    runs = {"fashion": {"data": "fashion_mnist"}, "digits": {"data": "digits"}, "none": None}
    monkeypatch.setattr(evaluation_data, "run_state_of", runs.get)
    assert evaluation_data.default_source("fashion") == "fashion_mnist:test"
    assert evaluation_data.default_source("digits") == "digits"  # its held-out split is scored
    with pytest.raises(InputError, match=r"none: no run record .*--data SOURCE"):
        evaluation_data.default_source("none")


def test_cli_evaluate_without_data_scores_the_test_split(data_dir, tmp_path, capsys):
    import json

    from tfgen import cli

    write_split(data_dir / "fashion-mnist", "train", 40, 1)
    write_split(data_dir / "fashion-mnist", "t10k", 12, 2)
    workdir = tmp_path / "run"
    ae = ["--set", "architecture=dense", "--set", "widths=16", "--set", "code_size=4"]
    train = ["train", "ae", "--data", "fashion_mnist", "--epochs", "1", "--batch-size", "8"]
    assert cli.main([*train, *ae, "--workdir", str(workdir)]) in (0, None)
    run_record = json.loads((workdir / "train_state.json").read_text())
    assert run_record["data"] == "fashion_mnist"  # the default split: train
    report = tmp_path / "r.json"
    evaluate = ["evaluate", "--model", str(workdir / "model.keras"), "--json", str(report)]
    assert cli.main(evaluate) in (0, None)
    capsys.readouterr()
    report = json.loads(report.read_text())
    assert report["data"]["source"] == "fashion_mnist:test" and report["data"]["images"] == 12
