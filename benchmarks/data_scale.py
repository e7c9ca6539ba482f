"""How tfgen's data loading scales with the number of images N, against what DCGAN training needs.

For each N (default 10k, 60k, 240k) it writes the same N 64x64 images (Fashion-MNIST upscaled
and tinted, or random pixels when the IDX files are missing) to a temporary folder in three
formats, then runs the measurements asked for, each in fresh child processes so a peak RSS is
that measurement's alone. The data is deleted after each N. Prints figures; asserts nothing.

    python benchmarks/data_scale.py --sizes 10000 60000 240000
    python benchmarks/data_scale.py --sizes 2000 10000 --measure input --inputs folder idx

Formats (`WRITERS`), each timed as a "write" figure (the writer children's start-up included:
TensorFlow's import for the TFRecord writers):
    folder    N RGB PNGs in two class subfolders, written with Pillow by `--workers` children.
    tfrecord  `--shards` files of `tf.train.Example`s (PNG bytes and label), written by
              `tfgen.data.write_tfrecord` in `--workers` children.
    idx       an uncompressed idx3 images + idx1 labels pair. tfgen reads IDX images as (N, H, W)
              only, one channel, so the IDX pair holds the grey 64x64 images (before tinting)
              and its batches are 64x64x1, the folder's and TFRecords' 64x64x3.

Measurements (`MEASUREMENTS`):
    write       writes every format (the others write only the formats they read).
    input       per input (`INPUTS`: a format and `load_dataset` options), `load_dataset` read by
                a no-op consumer for `--epochs` epochs: seconds from `load_dataset` to the first
                batch, images/s of the first and last epoch, the child's peak RSS.
    train       DCGAN's training rate: `build_model("dcgan")` (the model `tfgen train dcgan`
                builds) fitted for `--train-seconds` on `--train-batches` batches of the folder
                cached in memory (so the input pipeline cannot limit it), with tfgen's NaN
                guard; images/s over the steps after the first, and the first step's seconds
                (tracing included).
    first-step  `tfgen train dcgan --data FOLDER --epochs 1 --max-seconds S` as a subprocess of
                a small wrapper child: seconds from the command's start to `fit` starting and to
                the end of the first training step, total seconds, peak RSS (the wrapper's
                RUSAGE_CHILDREN). The moments come from a Keras callback that the command's
                bootstrap adds to `keras.Model.fit` (tfgen is not modified): Keras 3.15's
                TensorBoard callback writes no per-step event here (its train graph needs a
                `tf.function`, Keras's train function is a Python wrapper) and the progress bar
                is off when stdout is not a terminal.
    beam        ExampleGen then StatisticsGen (`tfgen.pipeline`) on the folder, on Beam's
                DirectRunner with each of `--beam-workers` worker processes (1: in process;
                more: multi_processing mode): each stage's seconds and images/s, the peak RSS
                of the stage process and of its largest worker.
    Derived: "input / train", each input's slower epoch rate over the training rate (the issue's
    target is >= 10).

The last table fits, for every figure, the log-log slope of the figure against N over the sizes
measured: about 0 means flat (the cost does not grow with N), about 1 linear. With two sizes the
slope is a two-point estimate; on a shared host, read it with the noise in mind.

To add a measurement (say Apache Beam's ExampleGen/StatisticsGen stage times), write a function
`(data, args) -> [(what, {figure name: value})]` that gets the formats it reads from
`data.path("tfrecord")` (written on first use) and runs its work in a fresh process (a
subprocess of its own, or a `child_*` function through `run_child`), and add it to
`MEASUREMENTS`: it gets a `--measure` choice, per-N lines and rows in the scaling table.
"""

import argparse
import gzip
import json
import math
import os
import resource
import signal
import struct
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from functools import lru_cache
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
FASHION = REPO / "../shared/data/fashion-mnist"
SIDE = 64  # images are SIDE x SIDE
CHUNK = 1000  # images are made in chunks of this many, each chunk seeded by its number


# ---- the images -------------------------------------------------------------------------------


@lru_cache(maxsize=1)
def fashion_images(folder):
    """Fashion-MNIST training images (60000, 28, 28) uint8 and labels, or None if missing."""
    images = Path(folder) / "train-images-idx3-ubyte.gz"
    labels = Path(folder) / "train-labels-idx1-ubyte.gz"
    if not images.exists():
        return None
    with gzip.open(images) as f:
        x = np.frombuffer(f.read(), np.uint8, offset=16).reshape(-1, 28, 28)
    with gzip.open(labels) as f:
        y = np.frombuffer(f.read(), np.uint8, offset=8)
    return x, y


def upscale(image):
    """A (28, 28) uint8 image -> (SIDE, SIDE), bilinear."""
    from PIL import Image  # Pillow comes with matplotlib, a tfgen dependency

    return np.asarray(Image.fromarray(image).resize((SIDE, SIDE), Image.BILINEAR))


def image_chunk(fashion_dir, chunk, n):
    """Images chunk*CHUNK ... of the N: RGB (k, 64, 64, 3) uint8, the grey (k, 64, 64) they were
    tinted from, and labels. The same in every format and every process."""
    start = chunk * CHUNK
    count = min(CHUNK, n - start)
    rng = np.random.default_rng([0, chunk])
    source = fashion_images(str(fashion_dir))
    if source is None:
        grey = rng.integers(0, 256, (count, SIDE, SIDE), dtype=np.uint8)
        labels = rng.integers(0, 10, count)
    else:
        pick = np.arange(start, start + count) % len(source[0])
        grey = np.stack([upscale(x) for x in source[0][pick]])
        labels = source[1][pick]
    tint = rng.uniform(0.4, 1.0, (count, 1, 1, 3))
    rgb = (grey[..., None] * tint).astype(np.uint8)
    return rgb, grey, labels


def chunk_groups(n, groups):
    """The chunk numbers of N images split into at most `groups` contiguous groups."""
    chunks = np.arange(math.ceil(n / CHUNK))
    return [g.tolist() for g in np.array_split(chunks, min(groups, len(chunks)))]


# ---- the formats: (folder, n, args) -> the source string tfgen reads -------------------------


def write_folder(root, n, args):
    """N PNGs under root/{even,odd}/ (label parity), chunks shared out to `--workers` children."""
    jobs = [
        dict(root=str(root), n=n, chunks=g, fashion=args.fashion)
        for g in chunk_groups(n, args.workers)
    ]
    run_writers(child_write_folder, jobs, args.workers)
    return str(root)


def write_tfrecords(root, n, args):
    """At most `--shards` TFRecord files (whole chunks each), written by tfgen's
    `write_tfrecord` in `--workers` children."""
    groups = chunk_groups(n, args.shards)
    shards = [
        (str(root / f"images-{i:05d}-of-{len(groups):05d}.tfrecord"), g)
        for i, g in enumerate(groups)
    ]
    workers = min(args.workers, len(shards))
    jobs = [dict(shards=shards[i::workers], n=n, fashion=args.fashion) for i in range(workers)]
    root.mkdir(parents=True)
    run_writers(child_write_tfrecord, jobs, workers)
    return str(root)


def write_idx(root, n, args):
    """train-images-idx3-ubyte (N, 64, 64) grey and train-labels-idx1-ubyte, uncompressed."""
    root.mkdir(parents=True)
    with (
        open(root / "train-images-idx3-ubyte", "wb") as images,
        open(root / "train-labels-idx1-ubyte", "wb") as labels,
    ):
        images.write(struct.pack(">4B3I", 0, 0, 0x08, 3, n, SIDE, SIDE))
        labels.write(struct.pack(">4BI", 0, 0, 0x08, 1, n))
        for chunk in range(math.ceil(n / CHUNK)):
            _, grey, y = image_chunk(args.fashion, chunk, n)
            images.write(grey.tobytes())
            labels.write(y.astype(np.uint8).tobytes())
    return str(root)


WRITERS = {"folder": write_folder, "tfrecord": write_tfrecords, "idx": write_idx}


class Data:
    """The N images of one size, written in a format the first time a measurement asks for it;
    each write's seconds are kept in `rows` (reported under the "write" measurement)."""

    def __init__(self, root, n, args):
        self.root, self.n, self.args = Path(root), n, args
        self.rows = []
        self._paths = {}

    def path(self, kind):
        if kind not in self._paths:
            start = time.perf_counter()
            self._paths[kind] = WRITERS[kind](self.root / kind, self.n, self.args)
            row = (kind, {"s": time.perf_counter() - start})
            print_row(self.n, "write", row)
            self.rows.append(row)
        return self._paths[kind]


# ---- work done in fresh processes: `--child child_NAME JSON` runs child_NAME(**JSON) ---------


def child_write_folder(root, n, chunks, fashion):
    from PIL import Image

    for name in ("even", "odd"):
        (Path(root) / name).mkdir(parents=True, exist_ok=True)
    for chunk in chunks:
        rgb, _, labels = image_chunk(fashion, chunk, n)
        for i, (image, label) in enumerate(zip(rgb, labels)):
            folder = Path(root) / ("odd" if label % 2 else "even")
            Image.fromarray(image).save(folder / f"{chunk * CHUNK + i:07d}.png")
    return {}


def child_write_tfrecord(shards, n, fashion):
    from tfgen.data import write_tfrecord

    for path, chunks in shards:
        parts = [image_chunk(fashion, chunk, n) for chunk in chunks]
        write_tfrecord(
            path, np.concatenate([p[0] for p in parts]), np.concatenate([p[2] for p in parts])
        )
    return {}


def child_input(source, name, batch_size, epochs):
    """A no-op consumer of `load_dataset`: first batch time, images/s per epoch, peak RSS."""
    from tfgen.data import load_dataset

    start = time.perf_counter()
    ds = load_dataset(source, batch_size=batch_size, seed=0, **INPUTS[name][1])
    first_batch = None
    images = 0
    epoch_seconds = []
    for _ in range(epochs):
        epoch_start = time.perf_counter()
        for x, _labels in ds:
            if first_batch is None:
                first_batch = time.perf_counter() - start
            images += int(x.shape[0])
        epoch_seconds.append(time.perf_counter() - epoch_start)
    return {
        "1st batch s": first_batch,
        "img/s ep1": images / epochs / epoch_seconds[0],
        "img/s last": images / epochs / epoch_seconds[-1],
        "peak RSS MB": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,  # KiB on Linux
    }


def child_beam(source, out, workers):
    """ExampleGen then StatisticsGen on Beam's DirectRunner with `workers` processes: each
    stage's seconds, images/s, and the peak RSS of this process and of its workers."""
    from tfgen.pipeline import example_gen, statistics_gen
    from tfgen.pipeline.beam_runner import workers_args

    beam_args = workers_args(workers)
    start = time.perf_counter()
    metadata = example_gen(source, f"{out}/examples", beam_args=beam_args)
    middle = time.perf_counter()
    statistics_gen(f"{out}/examples", f"{out}/statistics", beam_args=beam_args)
    end = time.perf_counter()
    n = sum(metadata["counts"].values())
    return {
        "ExampleGen s": middle - start,
        "StatisticsGen s": end - middle,
        "ExampleGen img/s": n / (middle - start),
        "StatisticsGen img/s": n / (end - middle),
        "peak RSS MB": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "worker RSS MB": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024,
    }


def child_train(folder, batch_size, batches, seconds):
    """DCGAN's images/s on `batches` cached batches of `folder`, the first (tracing) step out."""
    import keras

    from tfgen.callbacks import NaNGuard
    from tfgen.data import load_dataset
    from tfgen.models import build_model, get_spec

    class StepClock(keras.callbacks.Callback):
        def __init__(self):
            super().__init__()
            self.ends = []

        def on_train_begin(self, logs=None):
            self.begin = time.perf_counter()

        def on_train_batch_end(self, batch, logs=None):
            self.ends.append(time.perf_counter())
            if self.ends[-1] - self.ends[0] >= seconds:
                self.model.stop_training = True

    spec = get_spec("dcgan")
    ds = load_dataset(
        folder, batch_size=batch_size, pixel_range=spec.pixel_range, drop_remainder=True, seed=0
    )
    batches = ds.take(batches).cache()
    for _ in batches:  # fill the cache now: the first step then costs its tracing only
        pass
    model = build_model("dcgan", ds.element_spec[0].shape[1:])
    clock = StepClock()
    model.fit(
        batches.repeat(),
        epochs=1,
        steps_per_epoch=10**9,  # until the clock stops it
        callbacks=[NaNGuard(), clock],
        shuffle=False,
        verbose=0,
    )
    steps = len(clock.ends) - 1
    return {
        "img/s": batch_size * steps / (clock.ends[-1] - clock.ends[0]),
        "1st step s": clock.ends[0] - clock.begin,
        "steps": steps,  # the steps timed
    }


# Runs `tfgen train ...` (the arguments after -c) with a Keras callback added to every
# `keras.Model.fit`, which writes the wall-clock times of `fit` starting and of the first
# training step ending to the file named by DATA_SCALE_PROBE.
PROBE = """
import json, os, sys, time
import keras

class Probe(keras.callbacks.Callback):
    def on_train_begin(self, logs=None):
        self.times = {"fit": time.time()}

    def on_train_batch_end(self, batch, logs=None):
        if "first_step" not in self.times:
            self.times["first_step"] = time.time()
            with open(os.environ["DATA_SCALE_PROBE"], "w") as f:
                json.dump(self.times, f)

fit = keras.Model.fit
keras.Model.fit = lambda self, *a, callbacks=None, **k: fit(
    self, *a, callbacks=[*(callbacks or []), Probe()], **k
)
from tfgen.cli import main
sys.exit(main())
"""


def child_command(folder, workdir, batch_size, seconds):
    """Runs `tfgen train dcgan` on `folder`: seconds to fit and to the first step, peak RSS."""
    probe = Path(workdir).parent / "probe.json"
    probe.parent.mkdir(parents=True, exist_ok=True)
    command = [sys.executable, "-c", PROBE, "train", "dcgan", "--data", folder, "--epochs", "1"]
    command += ["--max-seconds", str(seconds), "--batch-size", str(batch_size)]
    command += ["--workdir", workdir]
    start = time.time()
    out = subprocess.run(
        command, capture_output=True, text=True, env=dict(os.environ, DATA_SCALE_PROBE=str(probe))
    )
    total = time.time() - start
    if out.returncode != 0:
        raise RuntimeError(f"tfgen train failed: {out.stderr.strip().splitlines()[-1:]}")
    times = json.loads(probe.read_text())
    return {
        "s to fit": times["fit"] - start,
        "s to 1st step": times["first_step"] - start,
        "total s": total,
        "peak RSS MB": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024,
    }


def run_child(function, **job):
    """`function(**job)` (a `child_*` function of this file) in a fresh process, with this
    checkout's tfgen; its figures, or None (with the error printed) when it failed."""
    env = dict(
        os.environ, PYTHONPATH=os.pathsep.join([str(REPO), os.environ.get("PYTHONPATH", "")])
    )
    command = [sys.executable, __file__, "--child", function.__name__, json.dumps(job)]
    out = subprocess.run(command, capture_output=True, text=True, env=env)
    if out.returncode != 0:
        error = " ".join(out.stderr.strip().splitlines()[-1:])
        print(f"  {function.__name__} failed: {error}", flush=True)
        return None
    return json.loads(out.stdout.strip().splitlines()[-1])


def run_writers(function, jobs, workers):
    """run_child(function, **job) for every job, `workers` at a time; raises if one failed."""
    with ThreadPoolExecutor(workers) as pool:
        if None in pool.map(lambda job: run_child(function, **job), jobs):
            raise RuntimeError(f"{function.__name__} failed (see above)")


# ---- measurements: (data, args) -> [(what, {figure: value})] ---------------------------------

INPUTS = {  # name -> (format, load_dataset options)
    "folder": ("folder", {}),  # streamed; cached in memory when the decoded images fit 2 GiB
    "folder-nocache": ("folder", {"cache": False}),  # bounded memory: files reshuffled each epoch
    "folder-memory": ("folder", {"streaming": False}),  # every image decoded into NumPy first
    "tfrecord": ("tfrecord", {}),
    "tfrecord-nocache": ("tfrecord", {"cache": False}),
    "tfrecord-memory": ("tfrecord", {"streaming": False}),
    "idx": ("idx", {}),  # IDX files are always read into memory
}


def measure_write(data, args):
    """Writes every format; `Data.path` times each write (its only figures)."""
    for kind in WRITERS:
        data.path(kind)
    return []


def measure_input(data, args):
    rows = []
    for name in args.inputs:
        kind, options = INPUTS[name]
        if options.get("streaming") is False and data.n > args.memory_max:
            print(f"{data.n:>8}  input        {name:<18} skipped (N > --memory-max)")
            continue
        job = dict(
            source=data.path(kind), name=name, batch_size=args.batch_size, epochs=args.epochs
        )
        rows.append((name, run_child(child_input, **job)))
    return rows


def measure_train(data, args):
    job = dict(
        folder=data.path("folder"),
        batch_size=args.batch_size,
        batches=args.train_batches,
        seconds=args.train_seconds,
    )
    return [("dcgan", run_child(child_train, **job))]


def measure_first_step(data, args):
    job = dict(
        folder=data.path("folder"),
        workdir=str(data.root / "run" / "workdir"),
        batch_size=args.batch_size,
        seconds=args.command_seconds,
    )
    return [("tfgen train dcgan", run_child(child_command, **job))]


def measure_beam(data, args):
    rows = []
    for workers in args.beam_workers:
        out = data.root / f"beam-{workers}"
        job = dict(source=data.path("folder"), out=str(out), workers=workers)
        rows.append((f"folder, {workers} worker(s)", run_child(child_beam, **job)))
        subprocess.run(["rm", "-rf", str(out)], check=False)  # GBs of examples at 240k
    return rows


MEASUREMENTS = {  # name -> function; add a measurement here
    "write": measure_write,
    "input": measure_input,
    "train": measure_train,
    "first-step": measure_first_step,
    "beam": measure_beam,
}


def input_over_train(results):
    """Each input's slower epoch rate over the DCGAN training rate, per N."""
    train = results.get(("train", "dcgan", "img/s"), {})
    ratios = {}
    for (measure, what, figure), by_n in results.items():
        if measure != "input" or figure != "img/s ep1":
            continue
        last = results[(measure, what, "img/s last")]
        ratio = {n: min(rate, last[n]) / train[n] for n, rate in by_n.items() if train.get(n)}
        if ratio:
            ratios[("input / train", what, "x (>=10)")] = ratio
    return ratios


# ---- the report -------------------------------------------------------------------------------


def number(value):
    if value is None:
        return "-"
    return f"{value:.0f}" if abs(value) >= 100 else f"{value:.3g}"


def print_row(n, measure, row):
    what, figures = row
    shown = (
        "failed" if figures is None else "  ".join(f"{k} {number(v)}" for k, v in figures.items())
    )
    print(f"{n:>8}  {measure:<12} {what:<18} {shown}", flush=True)


CONTEXT = {"steps"}  # figures printed per N only: they qualify another figure, they cost nothing


def slope(by_n):
    """Least-squares slope of log(value) against log(N), or None with fewer than two sizes."""
    points = [(math.log(n), math.log(v)) for n, v in by_n.items() if v and v > 0]
    if len(points) < 2:
        return None
    x, y = np.array(points).T
    return float(np.polyfit(x, y, 1)[0])


def growth(s):
    if s is None:
        return "-"
    if s < -0.2:
        return "falls"
    if s < 0.2:
        return "flat"
    if s < 0.8:
        return "sublinear"
    return "linear" if s <= 1.2 else "superlinear"


def print_scaling(results, sizes):
    print("\nhow each figure grows with N (log-log slope: ~0 flat, ~1 linear)")
    header = f"{'measure':<14} {'what':<18} {'figure':<14}" + "".join(f"{n:>9}" for n in sizes)
    print(header + f"{'slope':>8}  growth")
    for (measure, what, figure), by_n in results.items():
        if figure in CONTEXT:
            continue
        values = "".join(f"{number(by_n.get(n)):>9}" for n in sizes)
        s = slope(by_n)
        shown = "-" if s is None else f"{s:.2f}"
        print(f"{measure:<14} {what:<18} {figure:<14}{values}{shown:>8}  {growth(s)}")


def describe(args):
    images = (
        "Fashion-MNIST upscaled and tinted" if fashion_images(args.fashion) else "random pixels"
    )
    print(f"images: {images}, {SIDE}x{SIDE} RGB (IDX: the grey {SIDE}x{SIDE} form, one channel)")
    print(
        f"batch size {args.batch_size}; {args.epochs} epochs per input measurement; "
        f"{args.workers} writer processes; {os.cpu_count()} CPUs"
    )


def measure_size(n, args, results):
    """Writes the N images under a temporary folder, runs the measurements, deletes the folder."""
    with tempfile.TemporaryDirectory(prefix="tfgen-data-scale-", dir=args.tmp) as tmp:
        data = Data(tmp, n, args)
        rows = {}
        for name in args.measure:
            rows[name] = MEASUREMENTS[name](data, args)
            for row in rows[name]:
                print_row(n, name, row)
        for measure, measure_rows in [("write", data.rows), *rows.items()]:
            for what, figures in measure_rows:
                for figure, value in (figures or {}).items():
                    results.setdefault((measure, what, figure), {})[n] = value


def parse_args():
    parser = argparse.ArgumentParser(
        description=__doc__.splitlines()[0],
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    parser.add_argument(
        "--sizes", type=int, nargs="+", default=[10_000, 60_000, 240_000], help="values of N"
    )
    parser.add_argument(
        "--measure",
        nargs="+",
        choices=list(MEASUREMENTS),
        default=list(MEASUREMENTS),
        help="measurements to run (see the module docstring)",
    )
    parser.add_argument(
        "--inputs",
        nargs="+",
        choices=list(INPUTS),
        default=list(INPUTS),
        help="inputs the input measurement reads",
    )
    parser.add_argument(
        "--memory-max",
        type=int,
        default=60_000,
        help="largest N read with streaming=False (folder-memory, tfrecord-memory); its RSS grows",
    )
    parser.add_argument("--batch-size", type=int, default=64, help="as tfgen train")
    parser.add_argument("--epochs", type=int, default=2, help="epochs per input measurement")
    parser.add_argument(
        "--train-seconds", type=float, default=30, help="DCGAN timing, after step 1"
    )
    parser.add_argument(
        "--train-batches", type=int, default=8, help="cached batches DCGAN trains on"
    )
    parser.add_argument(
        "--command-seconds", type=float, default=5, help="tfgen train --max-seconds"
    )
    parser.add_argument("--shards", type=int, default=16, help="at most this many TFRecord files")
    parser.add_argument(
        "--workers", type=int, default=os.cpu_count(), help="processes writing data"
    )
    parser.add_argument(
        "--beam-workers",
        type=int,
        nargs="+",
        default=[1, 2],
        help="DirectRunner worker processes the beam measurement runs with",
    )
    parser.add_argument("--fashion", default=str(FASHION), help="Fashion-MNIST IDX folder")
    parser.add_argument(
        "--tmp", help="where the temporary data goes (None: the system temp folder)"
    )
    parser.add_argument("--child", nargs=2, metavar=("FUNCTION", "JSON"), help=argparse.SUPPRESS)
    return parser.parse_args()


def main():
    args = parse_args()
    if args.child:
        name, job = args.child
        if not name.startswith("child_"):
            raise SystemExit(f"--child takes a child_* function. Received: {name!r}")
        print(json.dumps(globals()[name](**json.loads(job))))
        return
    # on a kill, unwind so the temporary data (GBs at 240k) is deleted
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(128 + signum))
    describe(args)
    results = {}
    for n in args.sizes:
        measure_size(n, args, results)
    results.update(input_over_train(results))
    print_scaling(results, args.sizes)


if __name__ == "__main__":
    main()
