"""Report plots as PNG files (matplotlib, no display needed), each written atomically."""

import math

import matplotlib

matplotlib.use("Agg")  # noqa: E402  (headless: no display on servers and CI)
import matplotlib.pyplot as plt
import matplotlib.text
import numpy as np

from tfgen.utils.io import atomic_path


def _save(figure, path):
    with atomic_path(path) as tmp:
        figure.savefig(tmp, format="png", dpi=100, bbox_inches="tight")
    plt.close(figure)
    return path


def histograms(path, groups, xlabel, threshold=None, title=None):
    """Overlaid histograms of scores: `groups` maps a name to its values."""
    figure, ax = plt.subplots(figsize=(6, 4))
    values = np.concatenate([np.asarray(v, np.float64) for v in groups.values()])
    bins = np.linspace(values.min(), values.max(), 60)
    for name, group in groups.items():
        ax.hist(group, bins=bins, alpha=0.6, density=True, label=f"{name} (n={len(group)})")
    if threshold is not None:
        ax.axvline(threshold, color="black", linestyle="--", label=f"threshold {threshold:.4g}")
    ax.set_xlabel(xlabel)
    ax.set_ylabel("density")
    ax.set_title(title or "")
    ax.legend()
    return _save(figure, path)


def roc(path, fpr, tpr, auc, score=None):
    return save_figure(roc_figure(fpr, tpr, auc, score), path)


def roc_figure(fpr, tpr, auc, score=None):
    """The ROC curve of an anomaly `score`, its AUROC in the title, against chance."""
    figure, ax = plt.subplots(figsize=(5, 5))
    ax.plot(fpr, tpr, label=f"AUROC {auc:.3f}")
    ax.plot([0, 1], [0, 1], color="grey", linestyle=":", label="chance (AUROC 0.5)")
    ax.set(xlim=(0, 1), ylim=(0, 1.01), aspect="equal")
    ax.set_xlabel("false positive rate (normal images flagged)")
    ax.set_ylabel("true positive rate (anomalies caught)")
    ax.set_title(f"ROC{f' of {score}' if score else ''}: AUROC {auc:.3f}")
    ax.grid(alpha=0.3)
    ax.legend(loc="lower right")
    return figure


def scatter(path, points, labels=None, title=None):
    """2-d points, coloured by integer label when given."""
    points = np.asarray(points)
    figure, ax = plt.subplots(figsize=(6, 5))
    if labels is None:
        ax.scatter(points[:, 0], points[:, 1], s=4, alpha=0.6)
    else:
        drawn = ax.scatter(points[:, 0], points[:, 1], c=labels, cmap="tab10", s=4, alpha=0.7)
        figure.colorbar(drawn, ax=ax, label="label")
    ax.set_xlabel("latent 1")
    ax.set_ylabel("latent 2")
    ax.set_title(title or "")
    return _save(figure, path)


def lines(path, x, series, xlabel, ylabel, title=None):
    """One line per entry of `series` (name -> y values) over shared x values."""
    figure, ax = plt.subplots(figsize=(6, 4))
    for name, y in series.items():
        ax.plot(x, y, marker="o", label=name)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.set_title(title or "")
    ax.grid(alpha=0.3)
    ax.legend()
    return _save(figure, path)


def dataset_overview(path, images, histograms):
    """Sample images beside the label histogram of each split (none without labels)."""
    from tfgen.utils.images import image_grid

    figure, (left, right) = plt.subplots(1, 2, figsize=(10, 4.5))
    images = np.asarray(images, np.float32)
    if images.dtype != np.uint8 and images.max() > 1.0:
        images = images / 255.0
    grid = image_grid(images, columns=8)
    left.imshow(grid[..., 0] if grid.shape[-1] == 1 else grid, cmap="gray", vmin=0, vmax=1)
    left.set_axis_off()
    left.set_title("training examples")
    labelled = {split: h for split, h in histograms.items() if h}
    for offset, (split, histogram) in enumerate(labelled.items()):
        keys = sorted(histogram, key=int)
        positions = np.arange(len(keys)) + 0.4 * offset
        right.bar(positions, [histogram[k] for k in keys], width=0.4, label=split)
        right.set_xticks(np.arange(len(keys)) + 0.2, keys)
    right.set_title("labels" if labelled else "no labels")
    right.set_xlabel("label")
    right.set_ylabel("examples")
    if labelled:
        right.legend()
    return _save(figure, path)


# A figure a person reads: no image cell smaller than this on screen, no figure smaller than
# this on its longer side (8x8 digits drawn 1:1 were 291x30-pixel strips nobody could read).
MIN_CELL_PIXELS = 64
MIN_FIGURE_PIXELS = 400
DPI = 100


def image_table(
    images,
    columns,
    *,
    row_labels=None,
    column_labels=None,
    title=None,
    xlabel=None,
    ylabel=None,
    upscale=None,
):
    """Images (N, H, W, C) in [0, 1] as a labelled table: a matplotlib Figure, not yet saved.

    The images are tiled `columns` to a row and enlarged by whole-pixel repetition (nearest
    neighbour, so pixels stay sharp) until each cell is at least `MIN_CELL_PIXELS` and the
    table at least `MIN_FIGURE_PIXELS` on its longer side. Row labels go on the left, column
    labels on top; either may be None.

    Args:
        upscale: the pixel repetition; default the smallest that meets both minimums.

    Returns:
        The Figure; `save_figure(figure, path)` writes it.
    """
    from tfgen.utils.images import image_grid

    images = np.asarray(images, np.float32)
    n, height, width = images.shape[:3]
    rows = math.ceil(n / columns)
    _check_labels("row_labels", row_labels, rows)
    _check_labels("column_labels", column_labels, columns)
    grid = image_grid(images, columns=columns)
    k = upscale or minimum_upscale(grid.shape[:2], (height, width))
    grid = grid.repeat(k, axis=0).repeat(k, axis=1)
    figure = plt.figure(figsize=(grid.shape[1] / DPI, grid.shape[0] / DPI), dpi=DPI)
    ax = figure.add_axes((0.0, 0.0, 1.0, 1.0))  # the image fills the canvas 1:1; labels outside
    gray = grid.shape[-1] == 1
    ax.imshow(
        grid[..., 0] if gray else grid,
        cmap="gray" if gray else None,
        vmin=0,
        vmax=1,
        interpolation="nearest",
    )
    centres = lambda count, side: (1 + np.arange(count) * (side + 1) + side / 2) * k - 0.5  # noqa: E731
    ax.set_xticks(centres(columns, width) if column_labels else [], column_labels or [])
    ax.set_yticks(centres(rows, height) if row_labels else [], row_labels or [])
    ax.tick_params(
        length=0,
        top=bool(column_labels),
        labeltop=bool(column_labels),
        bottom=False,
        labelbottom=False,
    )
    ax.xaxis.set_label_position("top")
    for spine in ax.spines.values():
        spine.set_visible(False)
    ax.set_xlabel(xlabel or "")
    ax.set_ylabel(ylabel or "")
    ax.set_title(title or "")
    return figure


def minimum_upscale(grid_shape, cell_shape):
    """The smallest whole pixel repetition giving cells >= MIN_CELL_PIXELS and a grid >=
    MIN_FIGURE_PIXELS on its longer side."""
    return max(
        1,
        math.ceil(MIN_CELL_PIXELS / max(cell_shape)),
        math.ceil(MIN_FIGURE_PIXELS / max(grid_shape)),
    )


def save_figure(figure, path):
    """Writes a Figure (e.g. from `image_table`) as PNG, atomically, and closes it."""
    return _save(figure, path)


def figure_texts(figure):
    """Every non-empty text drawn on a Figure (titles, tick and axis labels, legends)."""
    texts = figure.findobj(lambda a: isinstance(a, matplotlib.text.Text) and a.get_visible())
    return [t.get_text() for t in texts if t.get_text()]


def _check_labels(name, labels, expected):
    if labels is not None and len(labels) != expected:
        raise ValueError(f"{name} needs {expected} entries. Received: {len(labels)}: {labels!r}")
