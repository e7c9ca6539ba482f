"""The HPARAMS session and the CUSTOM SCALARS layout, as TensorBoard's server reads them back."""

import re

from tests.training.test_tensorboard import Board
from tfgen.callbacks import HParamsSummary, ScalarsLayout
from tfgen.callbacks.dashboards import losses_layout

GAN_LOGS = {
    "d_loss": 1.25,
    "g_loss": 0.75,
    "d_real_acc": 0.5,
    "d_fake_acc": 0.25,
    "d_grad_norm": 2.0,
    "val_d_loss": 1.5,  # Keras's validation run holds it as epoch_d_loss
}


def test_gan_layout_charts_both_losses_and_both_accuracies():
    losses, accuracies = losses_layout(GAN_LOGS).category
    assert (losses.title, accuracies.title) == ("losses", "accuracies")
    [chart] = losses.chart
    assert chart.title == "d_loss and g_loss"
    [regex] = chart.multiline.tag
    matched = [
        t
        for t in ("epoch_d_loss", "epoch_g_loss", "epoch_d_loss_x", "d_loss")
        if re.search(regex, t)
    ]
    assert matched == ["epoch_d_loss", "epoch_g_loss"]
    assert accuracies.chart[0].multiline.tag == ["^epoch_(d_real_acc|d_fake_acc)$"]


def test_a_single_loss_gets_no_layout():
    assert losses_layout({"loss": 0.5, "accuracy": 0.9, "val_loss": 0.6}) is None


def test_hparams_session_holds_settings_and_final_metrics(tmp_path):
    summary = HParamsSummary(
        tmp_path / "train", {"model": "dcgan", "g_widths": [32, 16], "ema": None}
    )
    layout = ScalarsLayout(tmp_path / "train")
    summary.on_train_begin()
    for epoch in (3, 4):  # a resumed run's epochs
        logs = {**GAN_LOGS, "g_loss": 0.5 + epoch}
        summary.on_epoch_end(epoch, logs)
        layout.on_epoch_end(epoch, logs)
    summary.on_train_end()
    board = Board(tmp_path)
    assert board.get("/runs") == ["train"]
    [group] = board.session_groups()
    assert group["hparams"] == {"model": "dcgan", "g_widths": "[32, 16]", "ema": "null"}
    final = {m["name"]["tag"]: (m["value"], m["trainingStep"]) for m in group["metricValues"]}
    assert final["final/g_loss"] == (4.5, 4)  # the last epoch's, at its step
    assert final["final/val_d_loss"] == (1.5, 4)
    layout_categories = board.get("/plugin/custom_scalars/layout")["category"]
    assert [c["title"] for c in layout_categories] == ["losses", "accuracies"]  # written once
