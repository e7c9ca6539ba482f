"""Report plots as PNG files (matplotlib, no display needed), each written atomically."""

import matplotlib

matplotlib.use("Agg")  # noqa: E402  (headless: no display on servers and CI)
import matplotlib.pyplot as plt
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


def roc(path, fpr, tpr, auc):
    figure, ax = plt.subplots(figsize=(4.5, 4.5))
    ax.plot(fpr, tpr, label=f"AUROC {auc:.3f}")
    ax.plot([0, 1], [0, 1], color="grey", linestyle=":", label="chance")
    ax.set_xlabel("false positive rate")
    ax.set_ylabel("true positive rate")
    ax.legend(loc="lower right")
    return _save(figure, path)


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
