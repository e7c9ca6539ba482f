"""Evaluator: measures the candidate and blesses it (TFX's BLESSED / NOT_BLESSED) when its
metrics meet absolute thresholds and do not regress against the last pushed model.

Both models are measured the same way, through their SavedModels (the `sample` and
`reconstruct` signatures, as they will be served), on the eval split, with one feature
extractor: a tfgen classifier trained on the train split (cached per dataset), or the
configured one.
"""

import hashlib
import json
from pathlib import Path

import numpy as np
import tensorflow as tf

from tfgen.data import read_arrays
from tfgen.errors import InputError
from tfgen.evaluation.generators import metrics_of_images
from tfgen.export import METADATA_FILE
from tfgen.metrics import per_image_bce, per_image_mse, psnr
from tfgen.metrics.features import feature_extractor
from tfgen.utils.io import write_json_atomic

# whether a larger value is better, for the regression check
HIGHER_IS_BETTER = {
    "fid": False,
    "kid": False,
    "precision": True,
    "recall": True,
    "density": True,
    "coverage": True,
    "classifier_score": True,
    "mse": False,
    "bce": False,
    "psnr_db": True,
}
SAMPLE_METRICS = ("fid", "kid", "precision", "recall", "density", "coverage", "classifier_score")
LABELS = {"fid": "FID", "kid": "KID", "mse": "MSE", "bce": "BCE", "psnr_db": "PSNR"}
_BATCH = 500


def evaluator(
    model_dir,
    examples_dir,
    output_dir,
    *,
    name,
    thresholds,
    base="saved_models",
    tolerance=0.1,
    samples=2000,
    seed=0,
    features=None,
    cache_root="runs/pipelines",
):
    """Writes `evaluation.json` and a `BLESSED` or `NOT_BLESSED` file into `output_dir`.

    Args:
        model_dir: the Trainer's output (its SavedModel under `savedmodel/`).
        name: the served model's name; its newest version under `base` is the baseline.
        thresholds: {metric: {"max": x} or {"min": y}}; only these metrics gate the blessing.
        tolerance: the relative worsening against the baseline allowed on gated metrics.
        samples: generated images for the sample metrics.
        features: a features spec for the sample metrics; None trains a classifier on the
            train split (cached under `cache_root`).

    Returns:
        {"blessed", "checks", "candidate", "baseline", ...}.
    """
    if not thresholds:
        raise InputError("the Evaluator blesses only against thresholds; none were configured.")
    unknown = sorted(set(thresholds) - set(HIGHER_IS_BETTER))
    if unknown:
        raise InputError(
            f"unknown metric(s) {unknown} in thresholds; known: {sorted(HIGHER_IS_BETTER)}"
        )
    examples_dir, output_dir = Path(examples_dir), Path(output_dir)
    eval_images = _images(read_arrays(str(examples_dir / "eval")).images)
    needs_samples = any(metric in SAMPLE_METRICS for metric in thresholds)
    extractor = None
    if needs_samples:
        extractor = feature_extractor(
            features or _domain_classifier(examples_dir, cache_root, seed)
        )
    measure = _measurer(eval_images, extractor, samples, seed)
    candidate = measure(savedmodel_of(model_dir))
    baseline_path = latest_version(Path(base) / name)
    baseline = measure(baseline_path) if baseline_path else None
    checks = blessing_checks(thresholds, candidate, baseline, tolerance)
    blessed = all(check["passed"] for check in checks)
    result = {
        "blessed": blessed,
        "checks": checks,
        "candidate": candidate,
        "baseline": baseline,
        "baseline_model": str(baseline_path) if baseline_path else None,
        "how": {
            "eval_images": int(len(eval_images)),
            "generated_images": samples,
            "seed": seed,
            "features": extractor.name if extractor else None,
            "feature_extractor_version": extractor.fingerprint if extractor else None,
            "tolerance": tolerance,
            "through": "the SavedModels' serving signatures",
        },
    }
    write_json_atomic(output_dir / "evaluation.json", result)
    verdict = "BLESSED" if blessed else "NOT_BLESSED"
    reasons = "\n".join(check["message"] for check in checks)
    (output_dir / verdict).write_text(reasons + "\n")
    return result


def savedmodel_of(model_dir):
    """The Trainer's SavedModel: the newest version under `model_dir/savedmodel`."""
    path = latest_version(Path(model_dir) / "savedmodel")
    if path is None:
        raise InputError(f"{model_dir}: no SavedModel under savedmodel/")
    return path


def latest_version(model_base):
    """The highest integer-named version folder under `model_base`, or None."""
    versions = [int(p.name) for p in Path(model_base).glob("*") if p.name.isdigit()]
    return Path(model_base) / str(max(versions)) if versions else None


def _measurer(eval_images, extractor, samples, seed):
    def measure(path):
        served = tf.saved_model.load(str(path))
        card = Path(path) / METADATA_FILE
        metadata = json.loads(card.read_text()) if card.is_file() else {}
        batch = min(_BATCH, metadata.get("max_batch") or _BATCH)  # what a request may carry
        metrics = {}
        if "reconstruct" in served.signatures:
            reconstructions = _batched(
                lambda x: served.signatures["reconstruct"](images=tf.constant(x))["images"],
                eval_images,
                batch,
            )
            mse = per_image_mse(eval_images, reconstructions)
            metrics.update(
                mse=float(mse.mean()),
                psnr_db=float(psnr(mse).mean()),
                bce=float(per_image_bce(eval_images, reconstructions).mean()),
            )
        if extractor is not None and "sample" in served.signatures:
            images = _samples(served, samples, seed, metadata.get("num_classes"), batch)
            section = metrics_of_images(images, eval_images, extractor, seed)
            metrics.update({k: section[k] for k in SAMPLE_METRICS if k in section})
            metrics["real_floor"] = {
                k: section["real_floor"][k] for k in SAMPLE_METRICS if k in section["real_floor"]
            }
        return metrics

    return measure


def _samples(served, n, seed, num_classes, batch=_BATCH):
    """`n` images from the `sample` signature: seeds seed.., psi 1, labels cycling through
    the classes of a conditional model."""
    signature = served.signatures["sample"]
    seeds = np.arange(seed, seed + n, dtype=np.int64)

    def draw(rows):
        inputs = {"seed": tf.constant(rows), "truncation": tf.ones([len(rows)])}
        if num_classes:
            inputs["label"] = tf.constant((rows - seed) % num_classes, tf.int64)
        return signature(**inputs)["images"]

    return _batched(draw, seeds, batch)


def _batched(fn, array, batch=_BATCH):
    return np.concatenate(
        [np.asarray(fn(array[i : i + batch])) for i in range(0, len(array), batch)]
    )


def blessing_checks(thresholds, candidate, baseline, tolerance):
    """One check per threshold bound, and one no-regression check per gated metric the
    baseline (the last pushed model's metrics, or None) also has."""
    checks = []
    for metric, bound in thresholds.items():
        value = candidate.get(metric)
        if value is None:
            checks.append(
                {
                    "metric": metric,
                    "passed": False,
                    "message": f"{metric}: not measured for this model",
                }
            )
            continue
        for kind, limit in bound.items():
            passed = value <= limit if kind == "max" else value >= limit
            checks.append(
                {
                    "metric": metric,
                    "kind": kind,
                    "limit": limit,
                    "value": value,
                    "passed": passed,
                    "message": f"{metric} {value:.4g} "
                    f"{'<=' if kind == 'max' else '>='} {limit}: "
                    f"{'ok' if passed else 'FAILED'}",
                }
            )
        if baseline and metric in baseline:
            checks.append(_regression(metric, value, baseline[metric], tolerance))
    return checks


def _regression(metric, value, reference, tolerance):
    higher = HIGHER_IS_BETTER[metric]
    allowed = reference * (1 - tolerance) if higher else reference * (1 + tolerance)
    passed = value >= allowed if higher else value <= allowed
    return {
        "metric": metric,
        "kind": "no_regression",
        "baseline": reference,
        "value": value,
        "tolerance": tolerance,
        "passed": passed,
        "message": f"{metric} {value:.4g} vs last pushed {reference:.4g} "
        f"(worse by at most {tolerance:.0%}): {'ok' if passed else 'FAILED, a regression'}",
    }


def check_phrase(check):
    """A check in a few words, true whether it passed or not: "FID 13.2 <= 30" (passed),
    "PSNR 14.76 < 15" (failed), "FID 15.1, 14% worse than last pushed 13.2 (> 10%)"."""
    label = LABELS.get(check["metric"], check["metric"])
    if "value" not in check:
        return f"{label} not measured"
    value, kind, passed = check["value"], check["kind"], check["passed"]
    if kind == "no_regression":
        reference = check["baseline"]
        if passed:
            return f"{label} {value:.4g} vs last pushed {reference:.4g}"
        worse = abs(value - reference) / abs(reference) if reference else float("inf")
        return (
            f"{label} {value:.4g}, {worse:.0%} worse than last pushed {reference:.4g} "
            f"(> {check.get('tolerance', 0):.0%})"
        )
    relation = {("max", True): "<=", ("max", False): ">", ("min", True): ">=", ("min", False): "<"}
    return f"{label} {value:.4g} {relation[kind, passed]} {check['limit']:g}"


def _images(images):
    images = np.asarray(images)
    return images.astype(np.float32) / 255.0 if images.dtype == np.uint8 else images


def _domain_classifier(examples_dir, cache_root, seed):
    """A tfgen classifier trained on the train split, cached per dataset and seed."""
    from tfgen.training import train

    metadata = json.loads((Path(examples_dir) / "metadata.json").read_text())
    if metadata["num_classes"] is None:
        raise InputError(
            "sample metrics need a feature extractor: the data has no labels to "
            "train a classifier on; configure features (e.g. inception)."
        )
    key = (
        json.dumps({k: metadata[k] for k in ("source", "data_options", "split")}, sort_keys=True)
        + f":{seed}"
    )
    workdir = Path(cache_root) / f"classifier-{hashlib.sha256(key.encode()).hexdigest()[:12]}"
    train(
        "classifier",
        str(Path(examples_dir) / "train"),
        epochs=3,
        workdir=workdir,
        seed=seed,
        verbose=0,
    )
    return f"classifier:{workdir / 'model.keras'}"
