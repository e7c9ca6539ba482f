"""InfraValidator: can the SavedModel be served? Loaded in a fresh process that imports only
TensorFlow, sent TF Serving-format requests for every signature (row and columnar JSON
bodies), responses checked; writes INFRA_BLESSED or INFRA_NOT_BLESSED."""

import json
import subprocess
import sys
from pathlib import Path

from tfgen.pipeline.evaluator import savedmodel_of

PROBE = Path(__file__).with_name("serving_probe.py")


def infra_validator(model_dir, output_dir, timeout=600):
    """Runs `serving_probe.py` on the Trainer's SavedModel; returns {"blessed", "requests"}."""
    output_dir = Path(output_dir)
    output_dir.mkdir(parents=True, exist_ok=True)
    report = output_dir / "requests.json"
    done = subprocess.run(
        [sys.executable, str(PROBE), str(savedmodel_of(model_dir)), str(report)],
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    requests = json.loads(report.read_text())["requests"] if report.is_file() else []
    blessed = done.returncode == 0 and bool(requests)
    verdict = "INFRA_BLESSED" if blessed else "INFRA_NOT_BLESSED"
    summary = f"{sum(r['ok'] for r in requests)} of {len(requests)} requests served" + (
        "" if blessed else f"\n{done.stderr[-3000:]}"
    )
    (output_dir / verdict).write_text(summary + "\n")
    return {"blessed": blessed, "requests": len(requests), "summary": summary}
