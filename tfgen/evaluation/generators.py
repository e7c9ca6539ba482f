"""Sample metrics for models that generate: FID, KID, precision/recall, density/coverage and
the classifier score of generated images against real ones, each next to its real-vs-real
floor (the same metric between two disjoint halves of the real images)."""

import json
from pathlib import Path

import numpy as np

from tfgen.errors import InputError
from tfgen.metrics import (
    classifier_score,
    frechet,
    gaussian_statistics,
    kernel_distance,
    precision_recall_density_coverage,
)
from tfgen.metrics.features import cached_features, feature_extractor

# Images per progress update: a multiple of the compiled sampler's 256-row calls, so only the
# last call of all is padded (1000 padded every fourth call to 256 rows: 2.4% wasted work).
_SAMPLE_CHUNK = 1024


def sample_metrics(model, real_images, features_spec, n, seed=0, truncation=1.0, progress=None):
    """The sample-metrics report section for `model`'s samples, and the generated images.

    Args:
        real_images: real images in [0, 1].
        features_spec: "classifier:PATH", "inception", ... (see `tfgen.metrics.features`).
        n: generated images (seeds seed .. seed + n - 1, truncation psi).
        progress: a keras Progbar advanced as images are generated.
    """
    extractor = feature_extractor(features_spec)
    check_image_shape(extractor, model.image_shape, features_spec)
    fake = generated_images(model, n, seed, truncation, progress)
    section = metrics_of_images(fake, real_images, extractor, seed)
    return {**section, "truncation": truncation}, fake


def metrics_of_images(fake, real_images, extractor, seed=0):
    """FID, KID, precision/recall, density/coverage (and the classifier score when the
    extractor has logits) of generated images against real ones, with the real floor."""
    real_features, real_logits = cached_features(extractor, real_images)
    fake_features, fake_logits = extractor.features(fake), extractor.logits(fake)
    order = np.random.default_rng(seed).permutation(len(real_features))
    half_a, half_b = np.array_split(order, 2)
    floor = _metrics(
        real_features[half_a],
        real_features[half_b],
        None if real_logits is None else real_logits[half_b],
        seed,
    )
    return {
        "features": extractor.name,
        "feature_extractor_version": extractor.fingerprint,
        "feature_dims": extractor.dims,
        "generated_images": int(len(fake)),
        "real_images": int(len(real_images)),
        "seed": seed,
        **_metrics(real_features, fake_features, fake_logits, seed),
        "real_floor": {
            "how": "the same metrics between two disjoint random halves of the real images",
            **floor,
        },
    }


def check_image_shape(extractor, image_shape, features_spec):
    if extractor.image_shape is not None and tuple(extractor.image_shape) != tuple(image_shape):
        raise InputError(
            f"{features_spec} reads {tuple(extractor.image_shape)} images; the model makes "
            f"{tuple(image_shape)}. Use a classifier trained on this data."
        )


def default_features(model, base="saved_models"):
    """The newest exported tfgen classifier for the model's image shape, as a features spec.

    Raises:
        InputError: none is found (the message says how to make one).
    """
    found = []
    for metadata_file in Path(base).glob("*/*/assets.extra/tfgen.json"):
        metadata = json.loads(metadata_file.read_text())
        if metadata.get("model_class") == "Classifier" and tuple(
            metadata.get("image_shape", ())
        ) == tuple(model.image_shape):
            found.append((metadata_file.stat().st_mtime, metadata_file.parents[2]))
    if not found:
        shape = "x".join(str(d) for d in model.image_shape)
        raise InputError(
            f"sample metrics need a feature extractor and no classifier for {shape} images is "
            f"exported under {base}/. Train and export one (offline): tfgen train classifier "
            "--data SOURCE --epochs 5 --workdir runs/classifier && tfgen export --model "
            "runs/classifier/model.keras --name classifier; or pass --features inception."
        )
    return f"classifier:{max(found)[1]}"


def _metrics(real, fake, fake_logits, seed):
    fid = frechet(*gaussian_statistics(real), *gaussian_statistics(fake))
    kid = kernel_distance(real, fake, seed=seed)
    metrics = {
        "fid": fid["distance"],
        "fid_checks": {k: v for k, v in fid.items() if k != "distance"},
        "kid": kid["mean"],
        "kid_std": kid["std"],
        "kid_subsets": [kid["subsets"], kid["subset_size"]],
        **precision_recall_density_coverage(real, fake),
    }
    if fake_logits is not None:
        score = classifier_score(fake_logits)
        metrics["classifier_score"], metrics["classifier_score_std"] = score["mean"], score["std"]
    return metrics


def generated_images(model, n, seed=0, truncation=1.0, progress=None):
    """`tfgen evaluate`'s sampling stage: images for seeds seed .. seed + n - 1 through the
    model's compiled sampler (`model.sample`), the `progress` bar advanced chunk by chunk."""
    chunks = []
    for start in range(0, n, _SAMPLE_CHUNK):
        count = min(_SAMPLE_CHUNK, n - start)
        chunks.append(model.sample(count, seed=seed + start, truncation=truncation))
        if progress is not None:
            progress.add(count)
    return np.concatenate(chunks)
