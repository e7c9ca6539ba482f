"""ExampleGen and StatisticsGen on Apache Beam, against the reference computation: the examples
`read_arrays` reads from the same source, split by the documented hash, and the statistics
NumPy computes on the whole arrays."""

import json

import numpy as np
import pytest
import tensorflow as tf

from tfgen.data import read_arrays, write_tfrecord
from tfgen.errors import InputError
from tfgen.pipeline import example_gen, statistics_gen
from tfgen.pipeline.beam_runner import pipeline_options, workers_args
from tfgen.pipeline.example_gen import SPLITS, content_digest, is_eval
from tfgen.pipeline.local import configure
from tfgen.pipeline.statistics_gen import image_statistics


def examples_of(source, **options):
    """The sorted (digest, label) pairs of a source as read_arrays reads it."""
    arrays = read_arrays(str(source), **options)
    labels = [None] * len(arrays.images) if arrays.labels is None else arrays.labels.tolist()
    return sorted((content_digest(x).hex(), y) for x, y in zip(as_uint8(arrays.images), labels))


def as_uint8(images):
    """Pixels as ExampleGen stores them: [0, 1] floats (digits) rounded to 8 bits."""
    return images if images.dtype == np.uint8 else np.round(images * 255).astype(np.uint8)


def write_pngs(folder, images):
    folder.mkdir(parents=True, exist_ok=True)
    for i, image in enumerate(images):
        tf.io.write_file(str(folder / f"{i:03d}.png"), tf.io.encode_png(image))


@pytest.mark.slow  # 6-11 s in the fast tier under xdist
def test_example_gen_splits_by_a_seeded_hash_of_each_image(tmp_path):
    metadata = example_gen("digits", tmp_path / "a", eval_fraction=0.1, seed=3)
    digits = read_arrays("digits")
    expected = {split: [] for split in SPLITS}
    for image, label in zip(as_uint8(digits.images), digits.labels.tolist()):
        digest = content_digest(image)
        expected["eval" if is_eval(digest, 3, 0.1) else "train"].append((digest.hex(), label))
    for split in SPLITS:
        assert examples_of(tmp_path / "a" / split) == sorted(expected[split])
    assert metadata["counts"] == {split: len(expected[split]) for split in SPLITS}
    assert sum(metadata["counts"].values()) == 1797
    assert 140 <= metadata["counts"]["eval"] <= 220  # 10% of 1797, up to sampling noise
    assert metadata["image_shape"] == [8, 8, 1] and metadata["num_classes"] == 10
    assert json.loads((tmp_path / "a" / "metadata.json").read_text())["split"]["seed"] == 3
    assert sorted(p.name for p in (tmp_path / "a").iterdir()) == ["eval", "metadata.json", "train"]


def test_the_split_hash_keeps_the_fraction_and_depends_on_the_seed():
    digests = [content_digest(np.full((2, 2, 1), i, np.uint8)) for i in range(256)]
    digests += [
        content_digest(np.array([[[i, j]]], np.uint8)) for i in range(64) for j in range(64)
    ]
    share = np.mean([is_eval(d, 0, 0.25) for d in digests])
    assert 0.23 < share < 0.27  # 4,352 images
    assert [is_eval(d, 0, 0.25) for d in digests] != [is_eval(d, 1, 0.25) for d in digests]
    assert not any(is_eval(d, 0, 0.0) for d in digests)


@pytest.mark.slow  # 6-11 s in the fast tier under xdist
def test_statistics_gen_equals_the_numpy_reference(tmp_path):
    digits = read_arrays("digits")
    images = np.concatenate([digits.images[:400], digits.images[:30]])  # 30 exact duplicates
    labels = np.concatenate([digits.labels[:400], digits.labels[:30]])
    np.savez(tmp_path / "dupes.npz", x=images, y=labels)
    example_gen(str(tmp_path / "dupes.npz"), tmp_path / "examples", eval_fraction=0.3, seed=0)
    stats = statistics_gen(tmp_path / "examples", tmp_path / "stats")
    for split in SPLITS:
        arrays = read_arrays(str(tmp_path / "examples" / split))
        reference = image_statistics(arrays.images, arrays.labels)
        assert stats[split].pop("pixel_std") == pytest.approx(reference.pop("pixel_std"), 1e-12)
        assert stats[split] == reference
    assert sum(stats[split]["duplicates"] for split in SPLITS) == 30  # never across splits
    assert sum(stats[split]["count"] for split in SPLITS) == 430
    saved = json.loads((tmp_path / "stats" / "statistics.json").read_text())
    assert {split: saved[split]["count"] for split in SPLITS} == {
        split: stats[split]["count"] for split in SPLITS
    }
    assert (tmp_path / "stats" / "statistics.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


@pytest.mark.slow
def test_folder_and_tfrecord_sources_give_what_read_arrays_reads(tmp_path):
    rng = np.random.default_rng(0)
    for name in ("boots", "shirts"):
        write_pngs(tmp_path / "folder" / name, rng.integers(0, 256, (25, 6, 6, 3), np.uint8))
    write_tfrecord(
        tmp_path / "test.tfrecord", rng.integers(0, 256, (20, 6, 6, 3), np.uint8), np.arange(20) % 2
    )
    metadata = example_gen(
        str(tmp_path / "folder"), tmp_path / "out", eval_source=str(tmp_path / "test.tfrecord")
    )
    assert examples_of(tmp_path / "out" / "train") == examples_of(tmp_path / "folder")
    assert examples_of(tmp_path / "out" / "eval") == examples_of(tmp_path / "test.tfrecord")
    assert metadata["counts"] == {"train": 50, "eval": 20}
    assert metadata["class_names"] == ["boots", "shirts"] and metadata["num_classes"] == 2
    assert metadata["split"]["eval_source"] == str(tmp_path / "test.tfrecord")


@pytest.mark.slow
def test_bad_files_are_named_and_skipped_only_when_asked(tmp_path):
    folder = tmp_path / "folder"
    write_pngs(folder, np.random.default_rng(0).integers(0, 256, (30, 5, 5, 1), np.uint8))
    (folder / "broken.png").write_bytes(b"\x89PNG\r\n\x1a\n" + b"\x00" * 40)
    (folder / "notes.jpg").write_bytes(b"plain text, not an image")
    with pytest.raises(InputError, match=r"broken\.png.*\(and 1 more\).*--skip-errors"):
        example_gen(str(folder), tmp_path / "out", eval_fraction=0.2)
    assert not (tmp_path / "out" / "train").exists()  # nothing half-written stays
    metadata = example_gen(str(folder), tmp_path / "out", eval_fraction=0.2, skip_errors=True)
    assert sum(metadata["counts"].values()) == 30
    skipped = metadata["skipped_files"]
    assert len(skipped) == 2 and "broken.png" in skipped[0] and "notes.jpg" in skipped[1]


@pytest.mark.slow
def test_mixed_sizes_are_refused_unless_an_image_size_is_given(tmp_path):
    rng = np.random.default_rng(1)
    write_pngs(tmp_path / "folder" / "a", rng.integers(0, 256, (12, 8, 8, 1), np.uint8))
    write_pngs(tmp_path / "folder" / "b", rng.integers(0, 256, (12, 6, 6, 1), np.uint8))
    with pytest.raises(InputError, match=r"different shapes \[\[6, 6, 1\], \[8, 8, 1\]\]"):
        example_gen(str(tmp_path / "folder"), tmp_path / "out", eval_fraction=0.25)
    metadata = example_gen(
        str(tmp_path / "folder"), tmp_path / "out", eval_fraction=0.25, image_size=[8, 8]
    )
    assert metadata["image_shape"] == [8, 8, 1]
    produced = examples_of(tmp_path / "out" / "train") + examples_of(tmp_path / "out" / "eval")
    assert sorted(produced) == examples_of(tmp_path / "folder", image_size=(8, 8))


@pytest.mark.slow
def test_two_worker_processes_give_the_same_examples_and_statistics(tmp_path):
    runs = {}
    for workers in (1, 2):
        out = tmp_path / f"w{workers}"
        beam_args = workers_args(workers)
        metadata = example_gen("digits", out / "examples", eval_fraction=0.2, beam_args=beam_args)
        stats = statistics_gen(out / "examples", out / "stats", beam_args=beam_args)
        examples = {split: examples_of(out / "examples" / split) for split in SPLITS}
        runs[workers] = (metadata, stats, examples)
    assert runs[1] == runs[2]


def test_beam_options_are_checked_before_anything_runs():
    assert pipeline_options(workers_args(2)).get_all_options()["direct_num_workers"] == 2
    with pytest.raises(InputError, match=r"unknown Beam pipeline option\(s\) \['--bogus'\]"):
        pipeline_options(["--bogus=1"])
    with pytest.raises(InputError, match="must be a list of Beam flags"):
        pipeline_options("--direct_num_workers=2")
    with pytest.raises(InputError, match=r"\['--bogus'\]"):
        configure("dcgan_digits", beam_args=["--bogus=1"])
    config = configure("dcgan_fashion", beam_args=workers_args(2))
    assert config["beam"]["args"] == [
        "--direct_num_workers=2",
        "--direct_running_mode=multi_processing",
    ]
    assert config["data"]["eval_source"] == "fashion_mnist:test"


@pytest.mark.parametrize(
    "flags, message",
    [
        (
            ["--beam-option", "direct_num_worker=2"],
            "unknown Beam pipeline option(s) ['--direct_num_worker'] in beam_args (did you mean "
            "--direct_num_workers?)",
        ),
        (["--beam-option=--project=p"], "--beam-option expects NAME=VALUE"),
        (["--workers", "0"], "--workers must be at least 1. Received: 0"),
    ],
)
def test_the_pipeline_cli_refuses_bad_beam_flags_in_one_line(tmp_path, capsys, flags, message):
    from tfgen.cli import main

    with pytest.raises(SystemExit) as exit_:
        main(["pipeline", "run", "dcgan_digits", *flags, "--pipeline-root", str(tmp_path / "r")])
    assert exit_.value.code == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and message in err
    assert not (tmp_path / "r").exists()
