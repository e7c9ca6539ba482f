"""TensorBoard's HPARAMS and CUSTOM SCALARS tabs for a training run.

Both write into the training run's folder (`logs/train`), beside Keras's own scalars, so a
run's logs stay one TensorBoard run per split.
"""

import json
import re

import keras
import tensorflow as tf
from tensorboard.plugins.custom_scalar import layout_pb2
from tensorboard.plugins.custom_scalar import summary as custom_scalar_summary
from tensorboard.plugins.hparams import api as hp

FINAL = "final"  # the tag prefix of the metrics written when training ends


class HParamsSummary(keras.callbacks.Callback):
    """The run's settings and its final metrics, for the HPARAMS tab.

    At the start of training it writes `hparams` as the session of the run folder `log_dir`;
    when training ends it writes the last epoch's logs as `final/<name>` scalars at that
    epoch's step (`final/val_loss` included, so the held-out figures sit beside the
    settings). A resumed run writes both again: the table shows the figures of the last
    epoch trained. The session is the `train` run itself (one at the logs folder would add a
    `.` run). No experiment config is written: TensorBoard infers the table's columns from
    every session under its logdir, so runs of different models share one table (with a
    config, the first one found would name the columns of all).

    Args:
        log_dir: the training run's folder (`<logs>/train`).
        hparams: {name: value}; values that are not a bool, number or string (lists, None)
            are shown as their JSON text.
    """

    def __init__(self, log_dir, hparams):
        super().__init__()
        self.log_dir = str(log_dir)
        self.hparams = {name: _hparam_value(value) for name, value in hparams.items()}
        self._writer = None
        self._last = None  # (epoch, logs) of the last epoch trained by this `fit`

    def on_train_begin(self, logs=None):
        self._writer = tf.summary.create_file_writer(self.log_dir)
        with self._writer.as_default():
            hp.hparams(self.hparams)
        self._writer.flush()

    def on_epoch_end(self, epoch, logs=None):
        self._last = (epoch, dict(logs or {}))

    def on_train_end(self, logs=None):
        if self._writer is None:
            return
        if self._last is not None:
            epoch, final = self._last
            with self._writer.as_default(step=epoch):
                for name, value in sorted(final.items()):
                    tf.summary.scalar(f"{FINAL}/{name}", float(value))
        self._writer.close()


def _hparam_value(value):
    if isinstance(value, bool | int | float | str):
        return value
    return json.dumps(value)


class ScalarsLayout(keras.callbacks.Callback):
    """A CUSTOM SCALARS layout with the run's losses in one chart (a GAN's `d_loss` and
    `g_loss`; a VAE's `loss`, `reconstruction_loss` and `kl_loss`) and its accuracies in
    another (a GAN's `d_real_acc` and `d_fake_acc`).

    The charts name Keras's `epoch_*` tags, so each shows the training and the validation
    curves of every metric it names. Written once, after the first epoch (its logs name the
    metrics), into the run folder `log_dir`.

    Args:
        log_dir: the training run's folder (`<logs>/train`).
    """

    def __init__(self, log_dir):
        super().__init__()
        self.log_dir = str(log_dir)
        self._written = False

    def on_epoch_end(self, epoch, logs=None):
        if self._written:
            return
        layout = losses_layout(logs or {})
        if layout is not None:
            writer = tf.summary.create_file_writer(self.log_dir)
            with writer.as_default():
                tf.summary.experimental.write_raw_pb(
                    custom_scalar_summary.pb(layout).SerializeToString(), step=0
                )
            writer.close()
        self._written = True


def losses_layout(logs):
    """The `layout_pb2.Layout` of `ScalarsLayout` for an epoch's `logs`: a "losses" category
    when they hold two losses or more (one loss has its own card in SCALARS already), and an
    "accuracies" one when they hold two accuracies or more; None when neither.

    >>> [c.title for c in losses_layout({"d_loss": 1, "g_loss": 2}).category[0].chart]
    ['d_loss and g_loss']
    """
    names = [name for name in logs if not name.startswith("val_")]  # Keras's validation run
    groups = {
        "losses": [n for n in names if n.endswith("loss")],
        "accuracies": [n for n in names if n.endswith(("_acc", "accuracy"))],
    }
    categories = [
        _one_chart_category(title, members) for title, members in groups.items() if len(members) > 1
    ]
    return layout_pb2.Layout(category=categories) if categories else None


def _one_chart_category(title, names):
    tags = "|".join(re.escape(n) for n in names)
    chart = layout_pb2.Chart(
        title=f"{', '.join(names[:-1])} and {names[-1]}",
        multiline=layout_pb2.MultilineChartContent(tag=[f"^epoch_({tags})$"]),
    )
    return layout_pb2.Category(title=title, chart=[chart])
