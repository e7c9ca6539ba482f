"""Pusher: only a model blessed by both the Evaluator and the InfraValidator is copied, with its
model card, to `saved_models/<name>/<next integer version>/`, atomically.

Clients of a served model call its signatures by name with fixed inputs, so a push that would
change them (a VAE becoming version 2 of a served GAN changes what `serving_default` takes) is
refused unless the config allows it: `pusher.allow_signature_change: true`.

A model identical to the latest version (same fingerprint: the same variable values and the
same signatures, see `model_fingerprint`) is not pushed again: a re-run of a pipeline whose
Trainer resumes a finished checkpoint serves nothing new.
"""

import hashlib
import json
import shutil
import time
from pathlib import Path

import numpy as np
import tensorflow as tf

import tfgen
from tfgen.errors import InputError
from tfgen.export import (
    METADATA_FILE,
    check_model_name,
    model_lock,
    publish_new_version,
    signature_specs,
)
from tfgen.pipeline.evaluator import check_phrase, latest_version, savedmodel_of
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
    allow_signature_change=False,
):
    """Pushes the Trainer's SavedModel if both blessings are present.

    Args:
        name: the served model's name, one folder under `base` (see
            `tfgen.export.check_model_name`).
        card_sources: {"statistics": dir, "examples": dir, "evaluation": dir} whose JSON files
            go into the model card beside the training summary and signatures.
        allow_signature_change: push even if the model's signatures (names, input and output
            dtypes and shapes) differ from those of the latest version served under `name`.

    Returns:
        {"pushed": bool, "version": int or None, "path": ..., "reason": ..., "fingerprint":
        ..., "identical_to": the version it equals, or None}; also written to
        `output_dir/pushed.json`. A model identical to the latest version is not pushed.

    Raises:
        InputError: a bad name.
        SignatureChangeError: the signatures differ and `allow_signature_change` is false.
    """
    check_model_name(name, "served_name")
    missing = [
        verdict
        for verdict, folder in (("BLESSED", blessing_dir), ("INFRA_BLESSED", infra_blessing_dir))
        if not (Path(folder) / verdict).is_file()
    ]
    if missing:
        result = _not_pushed(unblessed_reason(blessing_dir, infra_blessing_dir))
    else:
        result = _push_unless_served(
            Path(base) / name, name, model_dir, card_sources or {}, allow_signature_change
        )
    write_json_atomic(Path(output_dir) / "pushed.json", result)
    return result


def _push_unless_served(model_base, name, model_dir, sources, allow_signature_change):
    # the lock serializes pushes and exports of `name`: the version compared against is
    # still the latest when this one is published
    with model_lock(model_base):
        signatures = signature_specs(savedmodel_of(model_dir))
        fingerprint = model_fingerprint(savedmodel_of(model_dir), signatures)
        served = latest_version(model_base)
        if served is not None:
            served_specs = served_signatures(served)
            if model_fingerprint(served, served_specs) == fingerprint:
                return _not_pushed(
                    f"identical to version {served.name}: not pushed",
                    fingerprint=fingerprint,
                    identical_to=int(served.name),
                )
            changes = signature_changes(served_specs, signatures)
            if changes and not allow_signature_change:
                raise SignatureChangeError(
                    f"refusing to push to {model_base}: the model's signatures differ from "
                    f"version {served.name}'s, which clients of {name!r} call: "
                    + "; ".join(changes)
                    + ". Serve it under another name, or set "
                    "pusher.allow_signature_change: true to replace them."
                )
        path = _push(model_base, name, model_dir, sources, signatures, fingerprint)
    return {
        "pushed": True,
        "version": int(path.name),
        "path": str(path),
        "reason": "blessed by the Evaluator and the InfraValidator",
        "fingerprint": fingerprint,
        "identical_to": None,
    }


def _not_pushed(reason, fingerprint=None, identical_to=None):
    return {
        "pushed": False,
        "version": None,
        "path": None,
        "reason": reason,
        "fingerprint": fingerprint,
        "identical_to": identical_to,
    }


def unblessed_reason(blessing_dir, infra_blessing_dir):
    """Why a model without both blessings is not pushed, in one line: the Evaluator's failed
    checks ("not pushed: PSNR 14.76 < 15") and the InfraValidator's verdict."""
    reasons = []
    if not (Path(blessing_dir) / "BLESSED").is_file():
        evaluation = Path(blessing_dir) / "evaluation.json"
        failed = (
            [c for c in json.loads(evaluation.read_text())["checks"] if not c["passed"]]
            if evaluation.is_file()
            else []
        )
        reasons.append(", ".join(map(check_phrase, failed)) or "not blessed by the Evaluator")
    if not (Path(infra_blessing_dir) / "INFRA_BLESSED").is_file():
        verdict = Path(infra_blessing_dir) / "INFRA_NOT_BLESSED"
        served = verdict.read_text().splitlines()[0] if verdict.is_file() else "not validated"
        reasons.append(f"not infra-blessed ({served})")
    return "not pushed: " + "; ".join(reasons)


def model_fingerprint(savedmodel, signatures):
    """What makes two SavedModels the same model to a client: the values of their variables
    and their signatures (names, input and output dtypes and shapes), as a SHA-256.

    The variables are hashed as a multiset of (dtype, shape, bytes): Keras's ExportArchive
    saves some of them in an order that differs between processes, so their checkpoint keys
    (and TensorFlow's own `fingerprint.pb` checkpoint hash) do too. The graph is left out
    (its serialization differs between processes as well): the same weights re-exported by
    another tfgen version count as identical.
    """
    reader = tf.train.load_checkpoint(str(Path(savedmodel) / "variables" / "variables"))
    digests = sorted(
        _tensor_digest(reader.get_tensor(key))
        for key in reader.get_variable_to_shape_map()
        if key != "_CHECKPOINTABLE_OBJECT_GRAPH"
    )
    described = json.dumps({"signatures": signatures, "variables": digests}, sort_keys=True)
    return "sha256:" + hashlib.sha256(described.encode()).hexdigest()


def _tensor_digest(tensor):
    tensor = np.asarray(tensor)
    data = (
        b"\0".join(map(bytes, tensor.ravel()))  # strings: object arrays hold pointers
        if tensor.dtype == object
        else np.ascontiguousarray(tensor).tobytes()
    )
    return hashlib.sha256(f"{tensor.dtype.str}{tensor.shape}".encode() + data).hexdigest()


class SignatureChangeError(InputError):
    """A push would change the signatures clients of the served model call."""


def _push(model_base, name, model_dir, sources, signatures, fingerprint):
    def write(staging):
        shutil.copytree(savedmodel_of(model_dir), staging, dirs_exist_ok=True)
        card = model_card(name, staging, model_dir, sources, signatures)
        card["fingerprint"] = fingerprint
        (staging / "model_card.json").write_text(json.dumps(card, indent=2) + "\n")
        (staging / "model_card.md").write_text(render_card(card))
        if (Path(model_dir) / SAMPLES).is_file():  # TF Serving ignores files beside the model
            shutil.copy2(Path(model_dir) / SAMPLES, staging / SAMPLES)

    return publish_new_version(model_base, write)


def served_signatures(version):
    """The signatures of a served version: from its model card (the Pusher records them), or,
    for a version without one (e.g. written by `tfgen export`), from the SavedModel itself."""
    card = Path(version) / "model_card.json"
    if card.is_file():
        recorded = json.loads(card.read_text()).get("signatures") or {}
        if "serving_default" in recorded and all(
            isinstance(s.get("outputs"), dict) for s in recorded.values()
        ):
            return recorded
    return signature_specs(version)


def signature_changes(served, candidate):
    """What a client of `served` would see change: one line per signature added, removed, or
    with different inputs or outputs (names, dtypes, shapes). Empty when they are the same."""

    def described(specs):
        return ", ".join(f"{k}: {v['dtype']}{v['shape']}" for k, v in sorted(specs.items()))

    changes = []
    removed, added = sorted(set(served) - set(candidate)), sorted(set(candidate) - set(served))
    if removed:
        changes.append(f"signatures removed: {removed}")
    if added:
        changes.append(f"signatures added: {added}")
    for name in sorted(set(served) & set(candidate)):
        for part in ("inputs", "outputs"):
            before, after = served[name][part], candidate[name][part]
            if before != after:
                changes.append(f"{name} {part} ({described(before)}) -> ({described(after)})")
    return changes


def model_card(name, savedmodel, model_dir, sources, signatures=None):
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
                "capabilities",
            )
        },
        # every signature refuses a request of more rows than this, and an empty one
        "serving": {"max_batch": metadata.get("max_batch")},
        "evaluation": read(sources.get("evaluation"), "evaluation.json"),
        "data": {
            "examples": read(sources.get("examples"), "metadata.json"),
            "statistics": read(sources.get("statistics"), "statistics.json"),
        },
        "training": read(model_dir, "training.json"),
        # {name: {"inputs": {alias: spec}, "outputs": {alias: spec}}}, serving_default too:
        # what the next push is compared against
        "signatures": signatures or signature_specs(savedmodel),
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
    if card.get("fingerprint"):
        lines.append(f"- fingerprint (variables and signatures): {card['fingerprint']}")
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
    max_batch = (card.get("serving") or {}).get("max_batch")
    if max_batch:
        lines += [
            f"Every signature takes 1 to {max_batch} rows per request; an empty or larger "
            "request gets an InvalidArgument error.",
            "",
        ]
    for signature, spec in (card.get("signatures") or {}).items():
        inputs = ", ".join(f"{k}: {v['dtype']}{v['shape']}" for k, v in spec["inputs"].items())
        outputs = ", ".join(f"{k}: {v['dtype']}{v['shape']}" for k, v in spec["outputs"].items())
        lines.append(f"- `{signature}({inputs}) -> {{{outputs}}}`")
    return "\n".join(lines) + "\n"
