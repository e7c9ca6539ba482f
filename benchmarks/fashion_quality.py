"""GAN quality at equal compute on Fashion-MNIST, with a held-out test split.

Each contender trains for the same wall time in its own process pinned to one CPU core (one
TensorFlow thread). Each core runs a queue of contenders, the first two side by side. Then
10,000 samples of each are scored by FID in the 128-d features of a tfgen classifier trained on
the train split, against the 10,000 test images. The train-vs-test floor (10,000 train images
against the test images) is printed beside them: no generator can be expected below it.

    .venv/bin/python -m benchmarks.fashion_quality --experiment all --minutes 15 \
        --limited-minutes 5 --conditional-minutes 5
    .venv/bin/python -m benchmarks.fashion_quality --only plain_keras_dcgan tfgen_cgan_cbn \
        --minutes 60 --snapshot-minutes 15 30   # one run: the 15, 30 and 60 minute figures

Experiments (contenders listed in CONTENDERS):
    equal: the plain Keras DCGAN (the TF DCGAN tutorial's networks in the Keras guide's
        `train_step`, Adam 2e-4, beta_1 0.5, batch 64), tfgen `sngan`, `dcgan` and `dcgan`
        with an EMA generator, all at their defaults otherwise, and the labelled recipe:
        `cgan` with a projection D and conditional batch norm in G, sampled 1,000 per class.
        Target: tfgen's best FID >= 2.5x lower than the plain Keras DCGAN's.
    limited: that labelled recipe on 2,000 training images (200 per class) without
        augmentation, with DiffAugment (all three policies, and without color: these images
        are grey) and with ADA. Target: augmentation lowers FID >= 1.5x.
    conditional: intra-class FID (FID per class against that class's test images, averaged
        over the 10 classes) of `cgan` with concatenation, `cgan` with projection +
        conditional batch norm, and `conditional_sngan`.
Images/s (training) is printed for every contender. Results, sample grids and the samples
(`<name>.npz`) are written under --out; the classifier is saved there and reused.
"""

import argparse
import json
import os
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import keras  # imports TensorFlow; its runtime (thread pools) starts with the first op
import numpy as np

SAMPLES = 10_000
BATCH = 64
PER_CLASS_LIMITED = 200
DIFFAUGMENT = "color,translation,cutout"
CGAN_CBN = {"conditioning": "projection", "g_conditioning": "cbn"}  # the best measured recipe
CONDITIONAL_MODELS = ("cgan", "conditional_sngan")  # trained on labels, sampled 1,000 per class


@dataclass(frozen=True)
class Contender:
    """A model to train: `model` a tfgen catalogue name (or "plain_keras"), its settings, and
    how many training images per class it sees (None: all 60,000)."""

    model: str
    settings: dict = field(default_factory=dict)
    per_class: int | None = None
    what: str = ""


CONTENDERS = {
    "plain_keras_dcgan": Contender(
        "plain_keras", what="TF DCGAN tutorial networks, Keras guide train_step"
    ),
    "tfgen_dcgan": Contender("dcgan", what="tfgen dcgan defaults"),
    "tfgen_sngan": Contender("sngan", what="tfgen sngan defaults"),
    "tfgen_dcgan_ema": Contender("dcgan", {"ema_decay": 0.999}, what="tfgen dcgan, EMA of G"),
    "tfgen_cgan_cbn": Contender("cgan", CGAN_CBN, what="labelled: cgan, projection D, CBN in G"),
    "limited_none": Contender(
        "cgan", {**CGAN_CBN, "augment": ""}, PER_CLASS_LIMITED, "2,000 images"
    ),
    "limited_diffaugment": Contender(
        "cgan",
        {**CGAN_CBN, "augment": DIFFAUGMENT, "augment_p": 1.0},
        PER_CLASS_LIMITED,
        "DiffAugment",
    ),
    "limited_ada": Contender(
        "cgan",
        {**CGAN_CBN, "augment": DIFFAUGMENT, "ada_target": 0.6},
        PER_CLASS_LIMITED,
        "ADA, target 0.6",
    ),
    "limited_translation_cutout": Contender(
        "cgan",
        {**CGAN_CBN, "augment": "translation,cutout", "augment_p": 1.0},
        PER_CLASS_LIMITED,
        "DiffAugment without color",
    ),
    "cgan_concat": Contender(
        "cgan", {"conditioning": "concat", "g_conditioning": "concat"}, what="label concatenated"
    ),
    "cgan_projection_cbn": Contender("cgan", CGAN_CBN, what="projection D, conditional BN in G"),
    "conditional_sngan": Contender("conditional_sngan", what="ResNet, CBN + projection, SN"),
}
EXPERIMENTS = {
    "equal": (
        "plain_keras_dcgan",
        "tfgen_sngan",
        "tfgen_dcgan",
        "tfgen_dcgan_ema",
        "tfgen_cgan_cbn",
    ),
    "limited": ("limited_none", "limited_diffaugment", "limited_ada", "limited_translation_cutout"),
    "conditional": ("cgan_concat", "cgan_projection_cbn", "conditional_sngan"),
}


# ---- one contender, in its own pinned process ---------------------------------------------------


def run_contender(name, core, seconds, out, snapshot_seconds=()):
    """Trains contender `name` on CPU `core` for `seconds`, writes `<name>.npz` (10,000 samples
    as uint8, with their labels) and `<name>.json` (steps, seconds, images/s), and the same as
    `<name>@<m>min` at each of `snapshot_seconds` of training on the way."""
    os.sched_setaffinity(0, {core})
    import tensorflow as tf

    tf.config.threading.set_intra_op_parallelism_threads(1)
    tf.config.threading.set_inter_op_parallelism_threads(1)
    contender = CONTENDERS[name]
    keras.utils.set_random_seed(0)
    images, labels = training_examples(contender.per_class)
    conditional = contender.model in CONDITIONAL_MODELS
    parts = (images, labels) if conditional else images
    data = (
        tf.data.Dataset.from_tensor_slices(parts)
        .shuffle(len(images), seed=0, reshuffle_each_iteration=True)
        .batch(BATCH, drop_remainder=True)
        .prefetch(tf.data.AUTOTUNE)
    )
    model = build_contender(contender)
    from benchmarks.common import fit_for

    first = FirstStep()
    clock = TrainingClock()

    def save(tag, took):
        """Writes the samples and figures of the model as it stands after `took` seconds."""
        steps = int(model.g_optimizer.iterations)
        sample_labels = np.arange(SAMPLES) % 10
        samples = sample_contender(model, contender, sample_labels)
        pixels = np.round(samples * 255).astype(np.uint8)
        np.savez_compressed(out / f"{tag}.npz", images=pixels, labels=sample_labels)
        record = {
            "name": tag,
            "what": contender.what,
            "model": contender.model,
            "settings": contender.settings,
            "training_images": len(images),
            "steps": steps,
            "seconds": round(took, 1),
            "images_per_second": round(steps * BATCH / took, 1),
            "first_step_seconds": round(first.seconds, 1),  # tracing and compiling included
            "steady_images_per_second": round(
                (steps - 1) * BATCH / max(took - first.seconds, 1e-9), 1
            ),
            "core": core,
        }
        (out / f"{tag}.json").write_text(json.dumps(record))

    snapshots = Snapshots(
        [s for s in snapshot_seconds if s < seconds],
        clock,
        lambda at, took: save(snapshot_name(name, at), took),
    )
    took = fit_for(model, data, seconds, callbacks=[first, snapshots], clock=clock)
    save(name, took)


def snapshot_name(name, seconds):
    return f"{name}@{seconds / 60:g}min"


class TrainingClock:
    """Seconds of training: wall-clock time less the pauses taken to save snapshots."""

    def __init__(self):
        self.paused = 0.0

    def __call__(self):
        return time.monotonic() - self.paused


class Snapshots(keras.callbacks.Callback):
    """Calls `save(at, took)` at the first step after each of `seconds` of training time on
    `clock`, and leaves the time that takes out of the clock (so of the budget)."""

    def __init__(self, seconds, clock, save):
        super().__init__()
        self.pending = sorted(seconds)
        self.clock = clock
        self.save = save
        self._start = None

    def on_train_begin(self, logs=None):
        if self._start is None:
            self._start = self.clock()

    def on_train_batch_end(self, batch, logs=None):
        took = self.clock() - self._start
        if self.pending and took >= self.pending[0]:
            began = time.monotonic()
            self.save(self.pending.pop(0), took)
            self.clock.paused += time.monotonic() - began


class FirstStep(keras.callbacks.Callback):
    """Records the seconds to the end of the first step (tracing and compiling)."""

    seconds = 0.0

    def on_train_begin(self, logs=None):
        self._start = time.monotonic()

    def on_train_batch_end(self, batch, logs=None):
        if not self.seconds:
            self.seconds = time.monotonic() - self._start


def training_examples(per_class):
    """Fashion-MNIST train images in [-1, 1] and labels; `per_class` a seeded pick per class."""
    from tfgen.data import load_examples

    images, labels = load_examples("fashion_mnist:train", pixel_range=(-1, 1))
    if per_class is not None:
        rng = np.random.default_rng(0)
        keep = np.concatenate(
            [rng.choice(np.flatnonzero(labels == k), per_class, replace=False) for k in range(10)]
        )
        images, labels = images[keep], labels[keep]
    return images.astype(np.float32), labels.astype(np.int32)


def build_contender(contender):
    if contender.model == "plain_keras":
        from benchmarks.plain_keras_gan import PlainGAN, tf_tutorial_networks

        generator, discriminator = tf_tutorial_networks()
        model = PlainGAN(generator, discriminator, latent_dim=100, tanh_output=True)
        model.compile(
            keras.optimizers.Adam(2e-4, beta_1=0.5), keras.optimizers.Adam(2e-4, beta_1=0.5)
        )
        return model
    from tfgen.models import build_model

    num_classes = 10 if contender.model in CONDITIONAL_MODELS else None
    return build_model(contender.model, (28, 28, 1), num_classes=num_classes, **contender.settings)


def sample_contender(model, contender, labels):
    """10,000 images in [0, 1]; conditional models get `labels`."""
    if contender.model == "plain_keras":
        return model.sample_images(SAMPLES)
    if contender.model in CONDITIONAL_MODELS:
        return model.sample(SAMPLES, seed=0, labels=labels)
    return model.sample(SAMPLES, seed=0)


# ---- the driver ---------------------------------------------------------------------------------


class FashionFid:
    """FID against the 10,000 test images in the features of a classifier trained on the train
    split (saved in `out/classifier.keras` and reused by later runs)."""

    def __init__(self, out, epochs=5):
        from tfgen.data import load_dataset, load_examples
        from tfgen.metrics import gaussian_statistics
        from tfgen.models import build_model, load_model

        path = out / "classifier.keras"
        self.test, self.test_labels = load_examples("fashion_mnist:test", pixel_range=(0, 1))
        if path.is_file():
            self.classifier = load_model(path)
        else:
            keras.utils.set_random_seed(0)
            train = load_dataset("fashion_mnist:train", pixel_range=(0, 1), batch_size=128)
            self.classifier = build_model("classifier", (28, 28, 1), num_classes=10)
            self.classifier.fit(train, epochs=epochs, verbose=0)
            self.classifier.save(path)
        logits = self.classifier.predict(self.test, batch_size=500, verbose=0)
        self.accuracy = float(np.mean(np.argmax(logits, -1) == self.test_labels))
        self.test_features = self.classifier.features(self.test)
        self.test_statistics = gaussian_statistics(self.test_features)
        train, train_labels = load_examples("fashion_mnist:train", pixel_range=(0, 1))
        pick = np.random.default_rng(0).choice(len(train), SAMPLES, replace=False)
        self.floor = self.fid(train[pick])
        self.intra_floor = self.intra_class_fid(train[pick], train_labels[pick])

    def fid(self, images):
        from tfgen.metrics import frechet_distance, gaussian_statistics

        statistics = gaussian_statistics(self.classifier.features(images))
        return frechet_distance(*statistics, *self.test_statistics)

    def intra_class_fid(self, images, labels):
        """The mean over the 10 classes of FID(images of class k, test images of class k)."""
        from tfgen.metrics import frechet_distance, gaussian_statistics

        features = self.classifier.features(images)
        scores = []
        for k in range(10):
            mine = gaussian_statistics(features[labels == k])
            theirs = gaussian_statistics(self.test_features[self.test_labels == k])
            scores.append(frechet_distance(*mine, *theirs))
        return float(np.mean(scores))

    def describe(self):
        return (
            f"FID in the 128-d features of a tfgen classifier trained on the 60,000 train images "
            f"(test accuracy {self.accuracy:.3f}), against the 10,000 test images. Floor "
            f"(10,000 train images vs test): FID {self.floor:.2f}, intra-class FID "
            f"{self.intra_floor:.2f}"
        )


def plan_lanes(jobs, cores=2):
    """[(name, seconds)] -> one queue of jobs per core, each job to the least loaded core in
    the order given, so the first two (the main comparison) run side by side."""
    lanes = [[] for _ in range(cores)]
    for job in jobs:
        min(lanes, key=lambda lane: sum(seconds for _, seconds in lane)).append(job)
    return lanes


def run_lanes(lanes, out, snapshot_seconds=()):
    """Runs each core's queue, one pinned child process at a time; returns when all are done."""
    import threading

    failures = []

    def run_lane(core, lane):
        for name, seconds in lane:
            print(f"core {core}: {name} for {seconds / 60:g} min", flush=True)
            command = [sys.executable, "-m", "benchmarks.fashion_quality", "--contender", name]
            command += ["--core", str(core), "--seconds", str(seconds), "--out", str(out)]
            if snapshot_seconds:
                command += ["--snapshot-minutes", *(str(s / 60) for s in snapshot_seconds)]
            env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2"}
            if subprocess.run(command, env=env).returncode != 0:
                failures.append(name)

    threads = [threading.Thread(target=run_lane, args=item) for item in enumerate(lanes)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if failures:
        raise SystemExit(f"contenders failed: {failures}")


def score(names, scorer, out, conditional):
    from tfgen.utils.images import write_grid

    rows = []
    for name in names:
        record = json.loads((out / f"{name}.json").read_text())
        saved = np.load(out / f"{name}.npz")
        images = saved["images"].astype(np.float32) / 255.0
        record["fid"] = round(scorer.fid(images), 2)
        if conditional:
            record["intra_class_fid"] = round(scorer.intra_class_fid(images, saved["labels"]), 2)
        order = np.argsort(saved["labels"][:100], kind="stable") if conditional else None
        grid = images[:100][order] if conditional else images[:64]
        write_grid(out / f"{name}.png", grid, columns=10 if conditional else 8)
        (out / f"{name}.json").write_text(json.dumps(record))
        rows.append(record)
    return rows


def print_table(rows, scorer, conditional):
    print(scorer.describe())
    key = "intra_class_fid" if conditional else "fid"
    for r in rows:
        extra = f"  FID {r['fid']:7.2f}" if conditional else ""
        print(
            f"{r['name']:22s} {key} {r[key]:7.2f}{extra}  {r['steps']:6d} steps in "
            f"{r['seconds']:6.0f} s  {r['images_per_second']:6.1f} images/s "
            f"({r['steady_images_per_second']:.1f} after the first step)  "
            f"({r['training_images']} train images; {r['what']})"
        )
    best = min(rows[1:], key=lambda r: r[key]) if len(rows) > 1 else None
    if best is not None and not conditional:
        print(f"{rows[0]['name']} / {best['name']} {key} ratio: {rows[0][key] / best[key]:.2f}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--experiment", choices=[*EXPERIMENTS, "all"], default="equal")
    parser.add_argument("--minutes", type=float, default=15.0, help="training time per contender")
    parser.add_argument("--limited-minutes", type=float, help="for `limited` (default --minutes)")
    parser.add_argument("--conditional-minutes", type=float, help="the same for `conditional`")
    parser.add_argument(
        "--snapshot-minutes",
        nargs="+",
        type=float,
        default=[],
        help="also score every contender as it stood after these minutes of training",
    )
    parser.add_argument("--only", nargs="+", choices=list(CONTENDERS), help="these contenders")
    parser.add_argument("--out", default="/tmp/tfgen-fashion-quality", help="results here")
    parser.add_argument("--contender", help=argparse.SUPPRESS)  # the pinned child process
    parser.add_argument("--core", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--seconds", type=float, help=argparse.SUPPRESS)
    args = parser.parse_args()
    snapshot_seconds = [minutes * 60 for minutes in args.snapshot_minutes]
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    if args.contender:
        return run_contender(args.contender, args.core, args.seconds, out, snapshot_seconds)

    experiments = list(EXPERIMENTS) if args.experiment == "all" else [args.experiment]
    minutes = {"equal": args.minutes, "limited": args.limited_minutes or args.minutes}
    minutes["conditional"] = args.conditional_minutes or args.minutes
    chosen = {
        e: [n for n in EXPERIMENTS[e] if not args.only or n in args.only] for e in experiments
    }
    start = time.monotonic()
    scorer = FashionFid(out)
    print(scorer.describe(), f"({time.monotonic() - start:.0f} s)", flush=True)
    jobs = [(name, minutes[e] * 60) for e in experiments for name in chosen[e]]
    run_lanes(plan_lanes(jobs), out, snapshot_seconds)
    for experiment in experiments:
        conditional = experiment == "conditional"
        total = minutes[experiment] * 60
        for at in [*(s for s in snapshot_seconds if s < total), total]:
            names = chosen[experiment]
            if at < total:
                names = [snapshot_name(name, at) for name in names]
            rows = score(names, scorer, out, conditional)
            print(f"\n== {experiment}: {at / 60:g} minutes per contender, one core each")
            print_table(rows, scorer, conditional)
            tag = experiment if at == total else snapshot_name(experiment, at)
            (out / f"{tag}.json").write_text(json.dumps(rows, indent=1))
    print(f"\ntotal {time.monotonic() - start:.0f} s; results and grids in {out}")


if __name__ == "__main__":
    main()
