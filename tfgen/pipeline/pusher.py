"""Pusher: only a model blessed by both the Evaluator and the InfraValidator is copied, with its
model card, to `saved_models/<name>/<next integer version>/`, atomically."""

import json
import shutil
import tempfile
import time
from pathlib import Path

import tfgen
from tfgen.export import METADATA_FILE, make_readable, publish
from tfgen.pipeline.evaluator import savedmodel_of
from tfgen.pipeline.trainer import SAMPLES
from tfgen.utils.io import write_json_atomic


def pusher(
    model_dir,
    blessing_dir,
    infra_blessing_dir,
    output_dir,
    *,
    name,
    base="saved_models",
    card_sources=None,
):
    """Pushes the Trainer's SavedModel if both blessings are present.

    Args:
        card_sources: {"statistics": dir, "examples": dir, "evaluation": dir} whose JSON files
            go into the model card beside the training summary and signatures.

    Returns:
        {"pushed": bool, "version": int or None, "path": ..., "reason": ...}; also written to
        `output_dir/pushed.json`.
    """
    missing = [
        verdict
        for verdict, folder in (("BLESSED", blessing_dir), ("INFRA_BLESSED", infra_blessing_dir))
        if not (Path(folder) / verdict).is_file()
    ]
    if missing:
        result = {
            "pushed": False,
            "version": None,
            "path": None,
            "reason": f"not pushed: no {' and no '.join(missing)}",
        }
    else:
        model_base = Path(base) / name
        model_base.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=".staging-", dir=model_base))
        try:
            shutil.copytree(savedmodel_of(model_dir), staging, dirs_exist_ok=True)
            card = model_card(name, staging, model_dir, card_sources or {})
            (staging / "model_card.json").write_text(json.dumps(card, indent=2) + "\n")
            (staging / "model_card.md").write_text(render_card(card))
            if (Path(model_dir) / SAMPLES).is_file():  # TF Serving ignores files beside the model
                shutil.copy2(Path(model_dir) / SAMPLES, staging / SAMPLES)
            make_readable(staging)
            path = publish(staging, model_base)
        finally:
            if staging.exists():
                shutil.rmtree(staging)
        result = {
            "pushed": True,
            "version": int(path.name),
            "path": str(path),
            "reason": "blessed by the Evaluator and the InfraValidator",
        }
    write_json_atomic(Path(output_dir) / "pushed.json", result)
    return result


def model_card(name, savedmodel, model_dir, sources):
    """What the model is, how it was trained and measured, on what data, and how to call it."""

    def read(folder, file):
        path = Path(folder) / file if folder else None
        return json.loads(path.read_text()) if path and path.is_file() else None

    metadata = read(savedmodel, METADATA_FILE) or {}
    return {
        "name": name,
        "pushed_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "tfgen_version": tfgen.__version__,
        "model": {
            k: metadata.get(k)
            for k in (
                "model_class",
                "image_shape",
                "latent_dim",
                "num_classes",
                "truncation_method",
            )
        },
        "evaluation": read(sources.get("evaluation"), "evaluation.json"),
        "data": {
            "examples": read(sources.get("examples"), "metadata.json"),
            "statistics": read(sources.get("statistics"), "statistics.json"),
        },
        "training": read(model_dir, "training.json"),
        "signatures": metadata.get("signatures"),
        "samples": SAMPLES if (Path(model_dir) / SAMPLES).is_file() else None,
    }


def render_card(card):
    """The model card as Markdown."""
    lines = [
        f"# Model card: {card['name']}",
        "",
        f"Pushed {card['pushed_at']} by tfgen {card['tfgen_version']}.",
        "",
        "## Model",
        "",
    ]
    lines += [f"- {k}: {v}" for k, v in card["model"].items() if v is not None]
    evaluation = card.get("evaluation") or {}
    lines += ["", "## Evaluation", ""]
    for key, value in (evaluation.get("candidate") or {}).items():
        if isinstance(value, float):
            floor = (evaluation["candidate"].get("real_floor") or {}).get(key)
            lines.append(
                f"- {key}: {value:.4g}"
                + (f" (real-vs-real floor {floor:.4g})" if floor is not None else "")
            )
    how = evaluation.get("how") or {}
    lines += ["", "Measured " + ", ".join(f"{k}: {v}" for k, v in how.items()) + ".", ""]
    lines += [f"- {check['message']}" for check in evaluation.get("checks", [])]
    examples = (card["data"] or {}).get("examples") or {}
    lines += [
        "",
        "## Data",
        "",
        f"- source: {examples.get('source')}",
        f"- examples: {examples.get('counts')}, image shape {examples.get('image_shape')}",
    ]
    training = card.get("training") or {}
    lines += [
        "",
        "## Training",
        "",
        f"- config: {json.dumps(training.get('config'))}",
        f"- epochs: {training.get('epochs')}, seconds: {training.get('seconds')}",
    ]
    if card.get("samples"):
        lines += ["", "## Samples", "", f"![64 samples, seeds 0-63]({card['samples']})"]
    lines += ["", "## Signatures", ""]
    for signature, spec in (card.get("signatures") or {}).items():
        inputs = ", ".join(f"{k}: {v['dtype']}{v['shape']}" for k, v in spec["inputs"].items())
        lines.append(f"- `{signature}({inputs}) -> {spec['outputs']}`")
    return "\n".join(lines) + "\n"
