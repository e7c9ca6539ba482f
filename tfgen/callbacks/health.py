"""The training-health monitor for adversarial models: is D winning outright, is G collapsing,
are the losses diverging? Written to TensorBoard each epoch, and warned about once, in words."""

import math
import warnings

import keras
import numpy as np
import tensorflow as tf
from scipy.spatial.distance import pdist
from sklearn.linear_model import LogisticRegression

FIXED_SEED = 1_000_000  # the monitor's fixed z: seeds apart from the TensorBoard preview's
CLASSIFIER_SIDE = 16  # images are shrunk to at most 16x16 for the monitor's classifier


class TrainingHealthWarning(UserWarning):
    """A GAN training run shows a known failure: D wins outright, G collapses, losses diverge."""


class TrainingHealthMonitor(keras.callbacks.Callback):
    """Mode-collapse and balance signals, each epoch, on a fixed batch of z.

    Written as `health/*` scalars into `log_dir`, the training run's folder (`logs/train`),
    beside the model's own metrics such as D's real/fake accuracy and gradient norms:
    - `diversity_ratio`: mean pairwise distance of the samples over that of real images
      (about 1 when G covers the data's variety; near 0 when it maps many z to one image).
    - `class_entropy` (labelled data): entropy of the class histogram a classifier predicts for
      the samples, over log(number of classes): 1 when every class is generated equally, 0 when
      a single class is.
    Warns once per problem (a `TrainingHealthWarning`), when D tells real from generated images
    almost perfectly, when the samples collapse, or when a loss explodes; a NaN loss stops
    training through `NaNGuard`.

    Args:
        log_dir: the TensorBoard run folder (`<logs>/train`).
        real_images: real images in the model's pixel range (a few hundred suffice).
        real_labels: their labels, or None; with labels a logistic-regression classifier is
            fitted on them for `class_entropy`.
        n: samples drawn each epoch.
        warmup_steps: no collapse or D-wins warning before the generator has taken this many
            steps: a freshly initialised DCGAN maps every z to nearly the same grey blob, and
            its D wins at first. Counted in steps, not epochs: a digits epoch is 28 steps,
            an MNIST epoch 157.
    """

    # Calibrated on healthy runs of `tfgen train dcgan` (defaults, batch 64: the pipeline's
    # dcgan_digits settings) on the bundled digits (28 steps an epoch), seeds 0, 1 and 2, and
    # on the real MNIST test split (157 steps an epoch), signals per epoch:
    # - digits, first 6 epochs (168 steps): diversity_ratio 0.08-0.30, class_entropy
    #   0.00-0.53, D's real accuracy up to 0.999 and fake up to 1.00 (never both above 0.99 in
    #   one epoch): the grey-blob phase, where the old 1-epoch warm-up and thresholds (0.25,
    #   0.5) warned at epoch 2 of every run. From step 420 on (epoch 15) the lowest values seen
    #   were diversity 0.83 and entropy 0.82 (0.98-1.01 and 0.98 at epochs 36-38), and
    #   min(D real, D fake accuracy) at most 0.80.
    # - MNIST, 3 epochs: diversity 0.83, 0.94, 1.03 and entropy 0.90, 0.97, 0.97.
    # - a collapsed generator (every z -> one image, tests/callbacks/test_health.py):
    #   diversity < 0.01, entropy 0.00.
    # So: a 400-step warm-up, and thresholds 4x (diversity) and 2.3x (entropy) below the
    # lowest healthy values after it. Entropy 0.35 still catches a generator left with two
    # equally frequent classes of ten (0.30).
    D_WINS = 0.99  # D's real and fake accuracy above this: the generator gets no signal
    COLLAPSED_DIVERSITY = 0.2
    COLLAPSED_ENTROPY = 0.35
    WARMUP_STEPS = 400
    EXPLODED_LOSS = 1e3

    def __init__(self, log_dir, real_images, real_labels=None, n=256, warmup_steps=WARMUP_STEPS):
        super().__init__()
        self.log_dir = str(log_dir)
        self.real = np.asarray(real_images, np.float32)
        self.labels = None if real_labels is None else np.asarray(real_labels)
        self.n = n
        self.warmup_steps = warmup_steps
        self.warned = {}
        self.history = []
        self._writer = None

    def on_train_begin(self, logs=None):
        self._writer = tf.summary.create_file_writer(self.log_dir)
        low, high = self.model.pixel_range
        self._real01 = (self.real - low) / (high - low)
        self._real_distance = mean_pairwise_distance(self._real01[: self.n])
        self._z = self.model.sample_latents(self.n, seed=FIXED_SEED)
        self._classifier = None
        if self.labels is not None and len(set(self.labels.tolist())) > 1:
            self._classifier = LogisticRegression(max_iter=300).fit(
                _classifier_features(self._real01), self.labels
            )

    def on_epoch_end(self, epoch, logs=None):
        logs = logs or {}
        samples = self.model.generate(self._z)
        signals = {"diversity_ratio": mean_pairwise_distance(samples) / self._real_distance}
        if self._classifier is not None:
            predicted = self._classifier.predict(_classifier_features(samples))
            signals["class_entropy"] = normalised_entropy(predicted, len(self._classifier.classes_))
        with self._writer.as_default(step=epoch):
            for name, value in signals.items():
                tf.summary.scalar(f"health/{name}", value)
        self._writer.flush()
        self.history.append({**signals, "epoch": epoch})
        self._check(epoch, signals, logs)

    def on_train_end(self, logs=None):
        if self._writer is not None:
            self._writer.close()

    def _check(self, epoch, signals, logs):
        # read as a tensor: under a tf.distribute strategy `iterations` is a MirroredVariable,
        # which int() refuses (and numpy's conversion of it warns)
        steps = int(tf.convert_to_tensor(self.model.g_optimizer.iterations))
        warmed_up = steps >= self.warmup_steps
        d_wins = logs.get("d_real_acc", 0) > self.D_WINS and logs.get("d_fake_acc", 0) > self.D_WINS
        if warmed_up and d_wins:
            self._warn(
                "d_wins",
                epoch,
                (
                    f"the discriminator is winning outright: it tells real from generated images "
                    f"apart {100 * logs['d_fake_acc']:.1f}% of the time, so the generator learns "
                    "almost nothing. Keep the two at a similar skill level: lower "
                    "d_learning_rate or d_steps, shrink d_widths, or add label_smoothing or "
                    "label_noise."
                ),
            )
        collapsed = warmed_up and (
            signals["diversity_ratio"] < self.COLLAPSED_DIVERSITY
            or signals.get("class_entropy", 1.0) < self.COLLAPSED_ENTROPY
        )
        if collapsed:
            entropy = signals.get("class_entropy")
            classes = f", class entropy {entropy:.2f} of 1" if entropy is not None else ""
            self._warn(
                "collapse",
                epoch,
                (
                    f"the generator is collapsing (mode collapse): its samples are only "
                    f"{signals['diversity_ratio']:.2f}x as varied as real images{classes}, i.e. it "
                    "maps many z to the same few images. Try a lower g_learning_rate, "
                    "loss=wasserstein with gradient_penalty=10, or restart from an earlier "
                    "checkpoint."
                ),
            )
        losses = {k: v for k, v in logs.items() if k in ("d_loss", "g_loss")}
        if any(not math.isfinite(v) or abs(v) > self.EXPLODED_LOSS for v in losses.values()):
            figures = ", ".join(f"{k} {v:.3g}" for k, v in losses.items())
            self._warn(
                "diverging",
                epoch,
                (
                    f"the losses are diverging ({figures}). Lower both learning rates; training "
                    "stops by itself if a loss becomes NaN."
                ),
            )

    def _warn(self, kind, epoch, message):
        if kind in self.warned:
            return
        self.warned[kind] = epoch
        warnings.warn(f"epoch {epoch + 1}: {message}", TrainingHealthWarning, stacklevel=2)


def mean_pairwise_distance(images):
    """Mean Euclidean distance between all pairs of images (flattened)."""
    flat = np.asarray(images, np.float64).reshape(len(images), -1)
    return float(pdist(flat).mean())


def normalised_entropy(predicted, num_classes):
    """Entropy of the histogram of predicted classes over log(num_classes), in [0, 1]."""
    _, counts = np.unique(np.asarray(predicted), return_counts=True)
    p = counts / counts.sum()
    return float(-(p * np.log(p)).sum() / math.log(num_classes)) + 0.0  # no "-0.0"


def _classifier_features(images):
    images = tf.constant(np.asarray(images, np.float32))
    side = min(CLASSIFIER_SIDE, images.shape[1])
    small = tf.image.resize(images, (side, side), antialias=True)
    return small.numpy().reshape(len(images), -1)
