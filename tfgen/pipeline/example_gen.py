"""ExampleGen on Apache Beam: any data source -> sharded TFRecords of tf.train.Example, with a
deterministic train/eval split.

Image folders are listed here and their files read and decoded by the Beam workers; TFRecord
files are read by Beam's own reader; array sources (digits, IDX and named datasets, .npz,
TFDS) are read by each worker once and handed out in chunks. Every example is decoded to
uint8 pixels exactly as `tfgen.data.read_arrays` decodes it.

The split is TFX's: each example goes to `eval` when a hash of the seed and its pixels falls
below `eval_fraction`, so the same data and seed give the same split on any runner and with
any number of workers, exact duplicates never straddle the splits, and the eval share is
`eval_fraction` up to sampling noise. With `eval_source` (e.g. fashion_mnist:test) the eval
split is that source, whole. The order of examples inside a shard is the runner's.
"""

import hashlib
import json
import logging
import shutil
from functools import lru_cache
from pathlib import Path

import numpy as np
import tensorflow as tf

from tfgen.data import load_examples, read_arrays
from tfgen.data.folder import list_images
from tfgen.data.idx import is_idx_path
from tfgen.data.images import decode_image_bytes, resize_to
from tfgen.data.named import parse_named_source
from tfgen.data.tfrecord import encode_example, is_tfrecord_path, parse_example, tfrecord_files
from tfgen.errors import InputError
from tfgen.pipeline import beam_runner
from tfgen.pipeline.beam_runner import beam
from tfgen.utils.images import to_uint8
from tfgen.utils.io import write_json_atomic

log = logging.getLogger(__name__)

SPLITS = ("train", "eval")
_CHUNK = 4096  # examples an array-source worker hands out at a time


def example_gen(
    source,
    output_dir,
    *,
    eval_fraction=0.1,
    eval_source=None,
    shards=0,
    seed=0,
    beam_args=(),
    **data_options,
):
    """Writes `output_dir/{train,eval}/data-NNNNN-of-NNNNN.tfrecord` and `metadata.json`.

    Each example holds the PNG-encoded image and, when the source has labels, its label. Each
    split folder is itself a tfgen data source.

    Args:
        eval_fraction: the share of `source` hashed into the eval split (unused with
            `eval_source`).
        eval_source: a source read whole as the eval split (e.g. a dataset's test split).
        shards: TFRecord files per split; 0 lets the runner choose (one per bundle it
            writes). A fixed count costs a shuffle of every example to its file, which
            Beam's local runner holds in memory: use it on a cluster runner.
        beam_args: Beam pipeline options (see `tfgen.pipeline.beam_runner`).
        data_options: image_size, channels, skip_errors (as for `tfgen.data.load_dataset`).

    Returns:
        The metadata: sources, counts per split, image shape, classes, split settings.

    Raises:
        InputError: unreadable data (every bad file named), mixed image shapes, or a split
            left empty.
    """
    if eval_source is None and not 0.0 < eval_fraction < 1.0:
        raise InputError(f"eval_fraction must be in (0, 1). Received: {eval_fraction!r}")
    if not isinstance(shards, int) or isinstance(shards, bool) or shards < 0:
        raise InputError(
            f"shards must be an integer >= 0 (0: the runner's choice). Received: {shards!r}"
        )
    output_dir = Path(output_dir)
    readers = [_reader(source, data_options)]
    if eval_source is not None:
        readers.append(_reader(eval_source, data_options))
    results = beam_runner.Results(output_dir)
    try:
        beam_runner.run(
            lambda p: _build(p, readers, output_dir, results, eval_fraction, seed, shards),
            beam_args,
        )
        summary = {split: results.read(f"summary-{split}") for split in SPLITS}
        problems = results.read("problems") or []
    finally:
        results.remove()
    try:
        metadata = _metadata(readers, summary, problems, data_options)
    except InputError:
        for split in SPLITS:
            shutil.rmtree(output_dir / split, ignore_errors=True)  # no half-valid examples
        raise
    metadata["split"] = {
        "eval_source": eval_source,
        "eval_fraction": None if eval_source else eval_fraction,
        "seed": seed,
        "shards": shards,
    }
    write_json_atomic(output_dir / "metadata.json", metadata)
    return metadata


def content_digest(pixels):
    """A digest of an image's shape and pixels: equal exactly when the images are equal."""
    return hashlib.sha1(str(pixels.shape).encode() + pixels.tobytes()).digest()


def is_eval(digest, seed, eval_fraction):
    """Whether the example with `digest` goes to the eval split: a seeded hash below the
    fraction (TFX's hash-bucket split)."""
    keyed = hashlib.sha1(str(int(seed)).encode() + b":" + digest).digest()
    return int.from_bytes(keyed[:8], "big") / 2.0**64 < eval_fraction


def _build(pipeline, readers, output_dir, results, eval_fraction, seed, shards):
    decoded = [reader.expand(pipeline, f"Read{i}") for i, reader in enumerate(readers)]
    problems = [d[_PROBLEM] for d in decoded]
    if len(decoded) == 1:
        by_split = decoded[0][_EXAMPLE] | "Split" >> beam.Partition(
            lambda e, _: int(is_eval(e[0], seed, eval_fraction)), 2
        )
    else:
        by_split = (decoded[0][_EXAMPLE], decoded[1][_EXAMPLE])
    for split, examples in zip(SPLITS, by_split):
        _ = (
            examples
            | f"Encode{split}"
            >> beam.MapTuple(lambda _, pixels, label, png: encode_example(pixels, label, png))
            | f"Write{split}"
            >> beam.io.WriteToTFRecord(
                str(output_dir / split / "data"),
                file_name_suffix=".tfrecord",
                num_shards=shards,
                shard_name_template="-SSSSS-of-NNNNN",
            )
        )
        results.write(
            examples | f"Summarize{split}" >> beam.CombineGlobally(_Summary()), f"summary-{split}"
        )
    results.write(
        problems | "AllProblems" >> beam.Flatten() | beam.combiners.ToList() | beam.Map(sorted),
        "problems",
    )


_EXAMPLE, _PROBLEM = "example", "problem"


class _Summary(beam.CombineFn):
    """Count, distinct shapes (a few), labelled count and the distinct labels of a split."""

    def create_accumulator(self):
        return {"count": 0, "shapes": set(), "labelled": 0, "labels": set()}

    def add_input(self, acc, example):
        _, pixels, label, _ = example
        acc["count"] += 1
        if len(acc["shapes"]) < 5:
            acc["shapes"].add(tuple(int(d) for d in pixels.shape))
        if label is not None:
            acc["labelled"] += 1
            acc["labels"].add(int(label))
        return acc

    def merge_accumulators(self, accs):
        out = self.create_accumulator()
        for acc in accs:
            out["count"] += acc["count"]
            out["labelled"] += acc["labelled"]
            out["shapes"] |= acc["shapes"]
            out["labels"] |= acc["labels"]
        return out

    def extract_output(self, acc):
        return {**acc, "shapes": sorted(acc["shapes"]), "labels": sorted(acc["labels"])}


def _metadata(readers, summary, problems, data_options):
    """The stage's metadata.json; raises the first problem the pipeline found."""
    skip_errors = data_options.get("skip_errors", False)
    if problems and not skip_errors:
        more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
        raise InputError(
            f"{problems[0]}{more}. Pass skip_errors=True (--skip-errors) to skip such files."
        )
    if problems:
        log.warning("skipped %d unreadable example(s):\n  %s", len(problems), "\n  ".join(problems))
    shapes = sorted({tuple(s) for split in SPLITS for s in summary[split]["shapes"]})
    if len(shapes) > 1:
        raise InputError(
            f"{readers[0].source}: images have different shapes {[list(s) for s in shapes]}; "
            "pass image_size and channels (--image-size, --channels) to convert them."
        )
    for split in SPLITS:
        s = summary[split]
        if s["count"] == 0:
            raise InputError(
                f"{readers[0].source}: the {split} split is empty; use more data or another "
                "eval_fraction (exact copies of an image always share a split, so copies of "
                "a few images cannot be split)."
            )
        if 0 < s["labelled"] < s["count"]:
            raise InputError(
                f"{readers[0].source}: {s['labelled']} of {s['count']} {split} "
                "examples have a label; all or none must."
            )
    labels = sorted(set(summary["train"]["labels"]) | set(summary["eval"]["labels"]))
    class_names = readers[0].class_names
    return {
        "source": readers[0].source,
        "data_options": data_options,
        "counts": {split: summary[split]["count"] for split in SPLITS},
        "image_shape": list(shapes[0]),
        "num_classes": (len(class_names) if class_names else labels[-1] + 1) if labels else None,
        "class_names": class_names,
        "skipped_files": problems,
    }


def _reader(source, data_options):
    """The reader for `source`: an image folder, TFRecord files, or an array source."""
    if not isinstance(source, str) or not source:
        raise InputError(f"ExampleGen needs a data source string. Received: {source!r}")
    path, named = Path(source).expanduser(), parse_named_source(source) is not None
    if "://" in source or (not named and is_tfrecord_path(source)):
        return _TFRecordReader(source, data_options)
    if not named and path.is_dir() and not is_idx_path(path):
        return _FolderReader(source, path, data_options)
    return _ArrayReader(source, data_options)


class _FolderReader:
    """An image folder: listed here, each file read and decoded by a worker."""

    def __init__(self, source, path, options):
        self.source, self.options = source, options
        files, labels, self.class_names = list_images(path)
        self.items = [(str(f), None if y is None else int(y)) for f, y in zip(files, labels)]

    def expand(self, pipeline, name):
        options = self.options
        return (
            pipeline
            | f"{name}List" >> beam.Create(self.items, reshuffle=True)
            | f"{name}Decode"
            >> beam.FlatMap(_read_file, options).with_outputs(_PROBLEM, main=_EXAMPLE)
        )


class _TFRecordReader:
    """TFRecord files of tf.train.Example, read by Beam's TFRecord source: local files, or a
    file pattern on any filesystem Beam reads (gs://bucket/data/*.tfrecord)."""

    def __init__(self, source, options):
        self.source, self.options, self.class_names = source, options, None
        remote = "://" in source
        self.files = [source] if remote else [str(f) for f in tfrecord_files(source)]

    def expand(self, pipeline, name):
        options = self.options
        decoded = [
            pipeline
            | f"{name}File{i}" >> beam.io.ReadFromTFRecord(file)
            | f"{name}Decode{i}"
            >> beam.FlatMap(_parsed, f"{file} (a record)", options).with_outputs(
                _PROBLEM, main=_EXAMPLE
            )
            for i, file in enumerate(self.files)
        ]
        return {
            tag: [d[tag] for d in decoded] | f"{name}{tag}s" >> beam.Flatten()
            for tag in (_EXAMPLE, _PROBLEM)
        }


class _ArrayReader:
    """A source read into memory (digits, IDX, named datasets, .npz, TFDS): each worker reads
    it once and emits the chunks of indices it is given."""

    def __init__(self, source, options):
        self.source, self.options = source, options
        pixels, _, info = _arrays(source, json.dumps(options, sort_keys=True))
        self.count, self.class_names = len(pixels), info.class_names and list(info.class_names)

    def expand(self, pipeline, name):
        chunks = [(i, min(i + _CHUNK, self.count)) for i in range(0, self.count, _CHUNK)]
        key = (self.source, json.dumps(self.options, sort_keys=True))
        return (
            pipeline
            | f"{name}Chunks" >> beam.Create(chunks, reshuffle=True)
            | f"{name}Emit"
            >> beam.FlatMap(_chunk_examples, key).with_outputs(_PROBLEM, main=_EXAMPLE)
        )


@lru_cache(maxsize=2)
def _arrays(source, options_json):
    """(uint8 pixels, labels or None, info) of an array source, read once per process.

    Sources stored as pixels are read as they are (a second for 60,000 IDX images);
    conversions and TFDS go through `load_examples` (tf.data, several times slower).
    """
    options = json.loads(options_json)
    if source.startswith("tfds:") or options.get("image_size") or options.get("channels"):
        images, labels, info = load_examples(
            source, pixel_range=(0.0, 1.0), return_info=True, **options
        )
    else:
        arrays = read_arrays(source, skip_errors=options.get("skip_errors", False))
        images, labels, info = arrays.images, arrays.labels, arrays.info
    return to_uint8(images) if images.dtype != np.uint8 else images, labels, info


def _chunk_examples(chunk, key):
    start, stop = chunk
    pixels, labels, _ = _arrays(*key)
    for i in range(start, stop):
        label = None if labels is None else int(labels[i])
        yield (content_digest(pixels[i]), pixels[i], label, None)


def _read_file(item, options):
    file, label = item
    return _decoded(tf.io.read_file(file).numpy(), file, label, options)


def _decoded(data, where, label, options):
    """[(digest, uint8 pixels, label, PNG bytes or None)] of one encoded image, or [a tagged
    problem line]. A PNG file that needs no conversion keeps its bytes (no re-encoding)."""
    try:
        image = decode_image_bytes(data, where=where, channels=options.get("channels"))
    except InputError as e:
        return [beam.pvalue.TaggedOutput(_PROBLEM, str(e))]
    example = _example(image, label, options)
    if example[1] is image and options.get("channels") is None and data[:4] == b"\x89PNG":
        example = (*example[:3], data)
    return [example]


def _parsed(record, where, options):
    """`_decoded` for one serialized tf.train.Example."""
    try:
        image, label = parse_example(record, where, options.get("channels"))
    except InputError as e:
        return [beam.pvalue.TaggedOutput(_PROBLEM, str(e))]
    return [_example(image, label, options)]


def _example(image, label, options):
    """(digest, pixels, label, None), resized to `image_size` when given (as read_arrays
    does)."""
    size = options.get("image_size")
    if size is not None and tuple(image.shape[:2]) != tuple(size):
        image = to_uint8(resize_to(image, tuple(size)))
    return (content_digest(image), image, label, None)
