"""`tfgen attack`: a classifier's accuracy against FGSM/PGD perturbations of growing size,
written as JSON, a PNG curve and a grid of adversarial examples."""

import time
from pathlib import Path

import numpy as np

from tfgen.errors import InputError
from tfgen.evaluation.data import evaluation_data
from tfgen.models import load_model
from tfgen.models.classifier import Classifier
from tfgen.ops.adversarial import accuracy_under_attack, check_eps
from tfgen.utils import plots
from tfgen.utils.io import write_json_atomic

EXAMPLES = 8  # adversarial examples shown per eps


def attack_report(
    model_path,
    data,
    method,
    eps_values,
    *,
    json_path,
    steps=10,
    max_examples=None,
    seed=0,
    **data_options,
):
    """Attacks the classifier at `model_path` on `data` (its held-out split when `data` is what
    it trained on) and writes the report.

    Returns:
        {"attack", "eps": [...], "accuracy": {eps: accuracy}, "images", "scored", ...}.

    Raises:
        InputError: not a classifier, bad eps values, or unlabelled data.
    """
    start = time.monotonic()
    model = load_model(model_path)
    if not isinstance(model, Classifier):
        raise InputError(
            f"{model_path}: a {type(model).__name__}; attacks measure classifiers "
            "(train one with `tfgen train classifier`)."
        )
    eps_values = check_eps(eps_values)
    subject = evaluation_data(model, model_path, data, max_examples=max_examples, **data_options)
    if subject.labels is None:
        raise InputError(f"{data}: attacks need labelled images; this source has no labels.")
    accuracy, examples = accuracy_under_attack(
        model, subject.images, subject.labels, eps_values, method, steps=steps, seed=seed
    )
    stem = Path(json_path).with_suffix("")
    files = {"curve": Path(f"{stem}.curve.png"), "examples": Path(f"{stem}.examples.png")}
    plots.lines(
        files["curve"],
        list(accuracy),
        {f"{method} accuracy": list(accuracy.values())},
        "eps (pixels in [0, 1])",
        "accuracy",
        title=f"{Path(model_path).parent.name}",
    )
    rows = [examples[eps][:EXAMPLES] for eps in accuracy]  # eps 0: the clean images
    plots.save_figure(
        plots.image_table(
            np.concatenate(rows),
            columns=min(EXAMPLES, len(rows[0])),
            row_labels=[_eps_label(eps, value) for eps, value in accuracy.items()],
            title=f"{method.upper()} adversarial examples (rows: eps, accuracy)",
        ),
        files["examples"],
    )
    report = {
        "attack": method,
        "steps": steps if method == "pgd" else 1,
        "model": str(model_path),
        "adversarially_trained": model.adversarial_ratio > 0,
        "images": int(len(subject.images)),
        "scored": subject.description,
        "eps": eps_values,
        "accuracy": {f"{eps:g}": value for eps, value in accuracy.items()},
        "error_rate": {f"{eps:g}": 1.0 - value for eps, value in accuracy.items()},
        "files": {k: str(v) for k, v in files.items()},
        "seconds": round(time.monotonic() - start, 2),
    }
    write_json_atomic(json_path, report)
    return report


def _eps_label(eps, accuracy):
    return f"{'clean' if eps == 0 else f'eps {eps:g}'}: acc {accuracy:.2f}"
