"""Which images an evaluation scores: by default the held-out split of the model's own run."""

from dataclasses import dataclass

import numpy as np

from tfgen.data import load_examples, official_test_split, read_arrays
from tfgen.errors import InputError
from tfgen.training import run_state_of


@dataclass
class EvaluationData:
    """Images in the model's pixel range with labels, and which are anomalies."""

    images: np.ndarray
    labels: np.ndarray | None
    is_anomaly: np.ndarray | None
    description: str
    warnings: list


def default_source(model_path):
    """What to evaluate on when no data is given: the test split of the run's data when that
    source has one (e.g. "fashion_mnist" -> "fashion_mnist:test"), else the run's data itself
    (whose held-out split is then scored).

    Raises:
        InputError: the model has no run record to take the data from.
    """
    state = run_state_of(model_path)
    if not state:
        raise InputError(
            f"{model_path}: no run record says which data the model was trained on; pass the "
            "data to evaluate on (--data SOURCE). Received: no data"
        )
    return official_test_split(state["data"]) or state["data"]


def evaluation_data(
    model,
    model_path,
    source,
    *,
    anomaly_classes=None,
    held_out=True,
    max_examples=None,
    **data_options,
):
    """Loads what to evaluate on.

    When `source` is the data the model was trained on (known from its run state), the normal
    images are that run's held-out validation split, rebuilt exactly as in training (same seed,
    split and data options), so no training image is scored. Otherwise every image of `source`
    (in its `classes`, if given) is used. With `anomaly_classes`, every image of those labels is
    added and marked as an anomaly, and the normal images exclude those labels.
    """
    state = run_state_of(model_path)
    options = _options(model, state, source, data_options)
    warnings = []
    if held_out and state and state["data"] == source and state.get("validation_split"):
        images, labels = _arrays(source, model, options, state["seed"], state["validation_split"])
        description = (
            f"the held-out {state['validation_split']:.0%} validation split of the "
            f"training run (seed {state['seed']})"
        )
        trained_on = options.get("classes")
        if anomaly_classes is not None and (
            trained_on is None or set(anomaly_classes) & set(trained_on)
        ):
            warnings.append("the anomaly classes were part of the training data")
    else:
        if anomaly_classes is not None and options.get("classes") is None:
            options["classes"] = _labels_except(source, anomaly_classes, options)
        images, labels = _arrays(source, model, options)
        description = f"all of {source}" + (
            f" (classes {options['classes']})" if options.get("classes") is not None else ""
        )
    if anomaly_classes is None:
        images, labels = _cap(images, labels, max_examples)
        return EvaluationData(images, labels, None, description, warnings)
    if labels is None:
        raise InputError(f"{source}: anomaly classes need a labelled source; it has no labels.")
    normal = ~np.isin(labels, anomaly_classes)
    normal_images, normal_labels = _cap(images[normal], labels[normal], max_examples)
    anomaly_images, anomaly_labels = _cap(
        *_arrays(source, model, {**options, "classes": anomaly_classes}), max_examples
    )
    return EvaluationData(
        np.concatenate([normal_images, anomaly_images]),
        np.concatenate([normal_labels, anomaly_labels]),
        np.concatenate([np.zeros(len(normal_images), bool), np.ones(len(anomaly_images), bool)]),
        f"{description}, plus every image of classes {list(anomaly_classes)} as anomalies",
        warnings,
    )


def _options(model, state, source, given):
    """Data options: the run's (when evaluating on its data) updated by the given ones; images
    are resized/converted to the model's input shape if needed."""
    same_data = state and source in (state["data"], official_test_split(state["data"]))
    options = dict(state.get("data_options", {})) if same_data else {}
    options.update({k: v for k, v in given.items() if v is not None})
    height, width, channels = model.image_shape
    options.setdefault("image_size", [height, width])
    options.setdefault("channels", channels)
    return options


def _labels_except(source, excluded, options):
    arrays = read_arrays(
        source, image_size=options.get("image_size"), channels=options.get("channels")
    )
    if arrays.labels is None:
        raise InputError(f"{source}: anomaly classes need a labelled source; it has no labels.")
    return sorted(set(arrays.labels.tolist()) - set(excluded))


def _arrays(source, model, options, seed=0, validation_split=None):
    subset = "validation" if validation_split else None
    return load_examples(
        source,
        pixel_range=model.pixel_range,
        seed=seed,
        validation_split=validation_split,
        subset=subset,
        # a run's held-out split, read as the run read it: the same examples, even where
        # files that fail when decoded were skipped (in memory, they shift the split)
        streaming=None if validation_split else False,
        **options,
    )


def _cap(images, labels, max_examples):
    if max_examples is None:
        return images, labels
    return images[:max_examples], None if labels is None else labels[:max_examples]
