"""The training-health monitor warns once, in words, on a collapsed generator, a winning
discriminator and exploding losses, and logs its signals to TensorBoard."""

import math
import warnings

import numpy as np
import pytest
import tensorflow as tf

from tests.test_cli import event_tags
from tfgen.callbacks import TrainingHealthMonitor, TrainingHealthWarning
from tfgen.callbacks.health import mean_pairwise_distance, normalised_entropy
from tfgen.data import load_examples
from tfgen.models import build_model


def test_signal_maths_hand_computed():
    points = np.array([[0.0, 0.0], [3.0, 4.0], [0.0, 4.0]])  # distances 5, 4, 3
    assert mean_pairwise_distance(points) == pytest.approx(4.0)
    assert normalised_entropy([0, 1, 2, 3], 4) == pytest.approx(1.0)
    assert normalised_entropy([7, 7, 7], 10) == 0.0
    assert normalised_entropy([0, 0, 1, 1], 4) == pytest.approx(math.log(2) / math.log(4))


@pytest.fixture
def monitored(tmp_path):
    gan = build_model("dcgan", (8, 8, 1), latent_dim=8, g_widths=[16, 8, 4], d_widths=[4, 8])
    images, labels = load_examples("digits", pixel_range=(-1, 1))
    monitor = TrainingHealthMonitor(tmp_path, images[:400], labels[:400], n=128)
    monitor.set_model(gan)
    monitor.on_train_begin()
    return gan, monitor


def warm_up(gan, steps=TrainingHealthMonitor.WARMUP_STEPS):
    """The generator has taken `steps` steps (the monitor counts G's optimizer iterations)."""
    gan.g_optimizer.iterations.assign(steps)


def collapse(gan):
    """Every z -> the same image: zero the last layer's kernel so only its bias remains."""
    last = gan.generator.layers[-2]
    last.kernel.assign(tf.zeros_like(last.kernel))
    last.bias.assign(tf.fill(last.bias.shape, 0.3))


def test_warns_once_when_the_generator_collapses(monitored, tmp_path):
    gan, monitor = monitored
    collapse(gan)
    warm_up(gan, TrainingHealthMonitor.WARMUP_STEPS - 1)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # nothing yet: G is still warming up
        monitor.on_epoch_end(0, {"d_real_acc": 0.6, "d_fake_acc": 0.6})
    warm_up(gan)
    with pytest.warns(TrainingHealthWarning, match="collapsing \\(mode collapse\\)"):
        monitor.on_epoch_end(1, {"d_real_acc": 0.6, "d_fake_acc": 0.6})
    assert monitor.history[-1]["diversity_ratio"] < 0.01
    assert monitor.history[-1]["class_entropy"] == 0.0  # one image, one predicted class
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a second warning would raise
        monitor.on_epoch_end(2, {"d_real_acc": 0.6, "d_fake_acc": 0.6})
    monitor.on_train_end()
    tags = event_tags(tmp_path)  # the run folder it was given
    assert tags["health/diversity_ratio"] == [0, 1, 2]
    assert tags["health/class_entropy"] == [0, 1, 2]


def behave_like_the_data(gan):
    """A stand-in for a perfect generator: every 'sample' is a real digit."""
    real, _ = load_examples("digits", pixel_range=(0, 1))
    gan.generate = lambda z: real[1000 : 1000 + len(z)]


def test_a_generator_as_varied_as_the_data_raises_no_warning(monitored):
    gan, monitor = monitored
    behave_like_the_data(gan)
    warm_up(gan)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        monitor.on_epoch_end(
            1, {"d_real_acc": 0.7, "d_fake_acc": 0.6, "d_loss": 1.2, "g_loss": 0.8}
        )
    assert monitor.history[-1]["diversity_ratio"] == pytest.approx(1.0, abs=0.1)
    assert monitor.history[-1]["class_entropy"] > 0.9


def test_warns_when_d_wins_outright_and_when_losses_explode(monitored):
    gan, monitor = monitored
    behave_like_the_data(gan)
    warm_up(gan)
    with pytest.warns(TrainingHealthWarning, match="discriminator is winning outright"):
        monitor.on_epoch_end(0, {"d_real_acc": 1.0, "d_fake_acc": 0.998})
    with pytest.warns(TrainingHealthWarning, match="losses are diverging"):
        monitor.on_epoch_end(1, {"d_loss": 3.0, "g_loss": 5e4})
    assert set(monitor.warned) == {"d_wins", "diverging"}


# Measured per-epoch signals of healthy `tfgen train dcgan --data digits` runs (defaults, 28
# steps an epoch): where the old monitor (1-epoch warm-up, thresholds 0.25 / 0.5) was wrong,
# the highest D accuracies, and the lowest values after the 400-step warm-up.
HEALTHY_DIGITS = [  # (seed, epoch from 1, diversity, entropy, d_real_acc, d_fake_acc)
    (0, 2, 0.122, 0.000, 0.984, 0.000),  # the false alarm of finding 5
    (0, 5, 0.082, 0.000, 0.953, 0.983),
    (1, 6, 0.145, 0.530, 0.972, 1.000),
    (0, 9, 0.425, 0.389, 0.856, 0.949),
    (0, 15, 0.863, 0.860, 0.746, 0.835),
    (1, 18, 0.830, 0.820, 0.689, 0.742),
    (0, 35, 0.998, 0.987, 0.691, 0.706),
]


def test_the_measured_healthy_digits_signals_raise_no_warning(monitored):
    gan, monitor = monitored
    for _, epoch, diversity, entropy, d_real, d_fake in HEALTHY_DIGITS:
        warm_up(gan, 28 * epoch)
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            monitor._check(
                epoch - 1,
                {"diversity_ratio": diversity, "class_entropy": entropy},
                {"d_real_acc": d_real, "d_fake_acc": d_fake},
            )
    assert monitor.warned == {}
    # the same lowest values, past the warm-up, sit well above the thresholds
    assert 0.830 / monitor.COLLAPSED_DIVERSITY > 4 and 0.820 / monitor.COLLAPSED_ENTROPY > 2.3


def test_two_classes_left_of_ten_is_a_collapse_after_the_warm_up(monitored):
    gan, monitor = monitored
    warm_up(gan)
    two_classes = normalised_entropy([3, 7] * 50, 10)
    assert two_classes == pytest.approx(0.301, abs=1e-3)
    with pytest.warns(TrainingHealthWarning, match="class entropy 0.30 of 1"):
        monitor._check(20, {"diversity_ratio": 0.6, "class_entropy": two_classes}, {})
