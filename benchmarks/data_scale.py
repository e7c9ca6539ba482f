"""How the input pipeline scales with the size of an image folder: images/s, peak RSS, time to
the first batch, streaming (tf.data reads the files) against in-memory (`streaming=False`).

For each N it writes a temporary folder of N 64x64 RGB PNGs (Fashion-MNIST upscaled and tinted,
or random pixels when the IDX files are missing) in two class subfolders, then measures each
mode in a fresh child process, so the peak RSS (`resource.getrusage`) is that mode's alone.
The folder is deleted afterwards. Prints figures; asserts nothing.

    python benchmarks/data_scale.py --sizes 2000 10000
"""

import argparse
import gzip
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

FASHION = Path(__file__).resolve().parents[1] / "../shared/data/fashion-mnist"


def fashion_images(folder: Path):
    """Fashion-MNIST training images (60000, 28, 28) uint8 and labels, or None if missing."""
    images = folder / "train-images-idx3-ubyte.gz"
    labels = folder / "train-labels-idx1-ubyte.gz"
    if not images.exists():
        return None
    with gzip.open(images) as f:
        x = np.frombuffer(f.read(), np.uint8, offset=16).reshape(-1, 28, 28)
    with gzip.open(labels) as f:
        y = np.frombuffer(f.read(), np.uint8, offset=8)
    return x, y


def write_folder(root: Path, n: int, source, seed=0):
    """N 64x64 RGB PNGs under root/{even,odd}/ (label parity), from `source` or random."""
    import tensorflow as tf

    rng = np.random.default_rng(seed)
    for name in ("even", "odd"):
        (root / name).mkdir(parents=True, exist_ok=True)
    for start in range(0, n, 1000):
        count = min(1000, n - start)
        if source is None:
            batch = rng.integers(0, 256, (count, 64, 64, 3), dtype=np.uint8)
            labels = rng.integers(0, 10, count)
        else:
            pick = (np.arange(start, start + count)) % len(source[0])
            gray = tf.image.resize(source[0][pick, :, :, None].astype(np.float32), (64, 64))
            tint = rng.uniform(0.4, 1.0, (count, 1, 1, 3)).astype(np.float32)
            batch = np.clip(gray.numpy() * tint, 0, 255).astype(np.uint8)
            labels = source[1][pick]
        for i, (image, label) in enumerate(zip(batch, labels)):
            folder = root / ("odd" if label % 2 else "even")
            tf.io.write_file(str(folder / f"{start + i:07d}.png"), tf.io.encode_png(image))


def measure(folder, mode, batch_size, epochs):
    """Runs in the child: builds the dataset, times the first batch and whole epochs."""
    from tfgen.data import load_dataset

    start = time.perf_counter()
    ds = load_dataset(folder, batch_size=batch_size, seed=0, **_MODES[mode])
    first_batch = None
    images = 0
    epoch_seconds = []
    for _ in range(epochs):
        epoch_start = time.perf_counter()
        for x, _labels in ds:  # a no-op consumer
            if first_batch is None:
                first_batch = time.perf_counter() - start
            images += int(x.shape[0])
        epoch_seconds.append(time.perf_counter() - epoch_start)
    peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux
    return {
        "first_batch_s": first_batch,
        "images_per_s_epoch1": images / epochs / epoch_seconds[0],
        "images_per_s_last": images / epochs / epoch_seconds[-1],
        "peak_rss_mb": peak_kib / 1024,
    }


_WIDTHS = (8, 16, 14, 10, 11, 12)
_MODES = {  # mode -> load_dataset options
    "streaming": {},  # cached in memory when the decoded images fit the budget
    "streaming-nocache": {"cache": False},  # bounded memory: file order + 10k buffer shuffled
    "memory": {"streaming": False},  # every image decoded into NumPy first
}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 60_000, 240_000])
    parser.add_argument("--modes", nargs="+", choices=list(_MODES), default=list(_MODES))
    parser.add_argument(
        "--memory-max", type=int, default=60_000, help="largest N measured in memory (RSS grows)"
    )
    parser.add_argument("--batch-size", type=int, default=256)
    parser.add_argument("--epochs", type=int, default=2, help="epochs per measurement")
    parser.add_argument("--fashion", default=str(FASHION), help="Fashion-MNIST IDX folder")
    parser.add_argument("--child", nargs=2, metavar=("FOLDER", "MODE"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(measure(args.child[0], args.child[1], args.batch_size, args.epochs)))
        return
    source = fashion_images(Path(args.fashion))
    print(f"images: {'Fashion-MNIST, upscaled and tinted' if source else 'random'} 64x64x3 PNG")
    header = ("N", "mode", "first batch s", "img/s ep1", "img/s last", "peak RSS MB")
    print(" ".join(f"{h:>{w}}" for h, w in zip(header, _WIDTHS)))
    for n in args.sizes:
        with tempfile.TemporaryDirectory(prefix="tfgen-data-scale-") as tmp:
            write_folder(Path(tmp), n, source)
            for mode in args.modes:
                if mode == "memory" and n > args.memory_max:
                    print(f"{n:>8} {mode:>16}   skipped (N > --memory-max)")
                    continue
                command = [sys.executable, __file__, "--child", tmp, mode]
                command += ["--batch-size", str(args.batch_size), "--epochs", str(args.epochs)]
                out = subprocess.run(command, capture_output=True, text=True, check=True)
                r = json.loads(out.stdout.strip().splitlines()[-1])
                print(
                    f"{n:>8} {mode:>16} {r['first_batch_s']:>14.2f} "
                    f"{r['images_per_s_epoch1']:>10.0f} {r['images_per_s_last']:>11.0f} "
                    f"{r['peak_rss_mb']:>12.0f}",
                    flush=True,
                )


if __name__ == "__main__":
    main()
