"""Figures a person reads: labelled rows and columns, titles, and a readable minimum size."""

from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from tfgen.utils import plots


def cells(n, side=8):
    return np.random.default_rng(0).uniform(size=(n, side, side, 1)).astype(np.float32)


def png_size(path):
    with Image.open(path) as image:
        return image.size  # (width, height)


def test_a_labelled_table_of_8x8_digits_is_large_enough_to_read(tmp_path):
    figure = plots.image_table(
        cells(30), 10, row_labels=["psi 1", "psi 0.5", "psi 0.1"], title="truncation sweep"
    )
    assert plots.figure_texts(figure) == ["psi 1", "psi 0.5", "psi 0.1", "truncation sweep"]
    # 8-pixel cells -> 8 repeats: 64-pixel cells; 10 cells + 11 one-pixel gaps = 91 * 8 pixels
    width, height = figure.get_size_inches() * figure.dpi
    assert (round(width), round(height)) == (91 * 8, 28 * 8)
    path = plots.save_figure(figure, tmp_path / "sweep.png")
    saved_width, saved_height = png_size(path)
    assert saved_width >= 91 * 8 and saved_height >= 28 * 8  # plus the labels and title


def test_a_short_strip_grows_to_the_minimum_figure_size(tmp_path):
    labels = ["a", "b", "c", "a - b + c"]
    figure = plots.image_table(cells(4), 4, column_labels=labels, title="latent arithmetic")
    assert plots.figure_texts(figure) == [*labels, "latent arithmetic"]
    assert plots.minimum_upscale((10, 37), (8, 8)) == 11  # 37 * 11 = 407 >= 400 pixels
    width, _ = png_size(plots.save_figure(figure, tmp_path / "abc.png"))
    assert width >= plots.MIN_FIGURE_PIXELS


def test_axis_labels_and_wrong_label_counts():
    figure = plots.image_table(
        cells(4), 2, row_labels=["1", "-1"], column_labels=["-1", "1"], xlabel="z[0]", ylabel="z[1]"
    )
    assert {"z[0]", "z[1]", "-1", "1"} <= set(plots.figure_texts(figure))
    with pytest.raises(ValueError, match="row_labels needs 2 entries. Received: 3"):
        plots.image_table(cells(4), 2, row_labels=["a", "b", "c"])


def test_the_roc_figure_has_a_title_with_the_auroc_and_labelled_axes(tmp_path):
    figure = plots.roc_figure([0.0, 0.2, 1.0], [0.0, 0.7, 1.0], 0.75, score="error_map_peak")
    texts = plots.figure_texts(figure)
    assert "ROC of error_map_peak: AUROC 0.750" in texts
    assert "false positive rate (normal images flagged)" in texts
    assert "true positive rate (anomalies caught)" in texts
    width, height = png_size(plots.save_figure(figure, tmp_path / "roc.png"))
    assert min(width, height) >= plots.MIN_FIGURE_PIXELS


def capture_figures(monkeypatch):
    """Records {PNG name: the figure's texts} for every figure saved through `save_figure`,
    which still writes it."""
    saved = {}
    original = plots.save_figure

    def save(figure, path):
        saved[Path(path).name] = plots.figure_texts(figure)
        return original(figure, path)

    monkeypatch.setattr(plots, "save_figure", save)
    return saved
