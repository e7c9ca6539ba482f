"""Plays TF Serving's REST API against a SavedModel, in a process that imports only TensorFlow.

    python serving_probe.py SAVEDMODEL REPORT.json

For every signature it builds the two request bodies TF Serving accepts, the row format
{"signature_name", "instances": [...]} and the columnar format {"signature_name", "inputs":
{...}}, turns each into tensors the way the server does (rows are stacked along a new batch
axis; columns are taken as given; values are cast to the signature's dtypes), calls the
signature, checks the outputs (one row per request row, finite, images in [0, 1]) and writes
the responses as the server would ({"predictions": ...} or {"outputs": ...}). Exit status 0
when every request succeeds.

This file must not import tfgen: the point is to prove that serving needs nothing of it.
"""

import json
import sys

import numpy as np
import tensorflow as tf

ROWS = 2  # request rows per signature


def example_value(name, spec, row):
    """A valid value for one request row of input `name`."""
    shape = [d for d in spec.shape[1:]]
    if name == "seed":
        return 100 + row
    if name == "truncation":
        return 0.7
    if name == "label":
        return row
    rng = np.random.default_rng(row)
    if name in ("z", "code"):
        return rng.normal(size=shape).round(4).tolist()
    return rng.uniform(size=shape).round(4).tolist()  # images in [0, 1]


def instances_body(name, inputs):
    rows = [{key: example_value(key, spec, r) for key, spec in inputs.items()} for r in range(ROWS)]
    return {"signature_name": name, "instances": rows}


def inputs_body(name, inputs):
    return {
        "signature_name": name,
        "inputs": {
            key: [example_value(key, spec, r) for r in range(ROWS)] for key, spec in inputs.items()
        },
    }


def tensors_from(body, inputs):
    """What TF Serving's JSON layer hands the signature."""
    if "instances" in body:
        return {
            key: tf.constant([row[key] for row in body["instances"]], spec.dtype)
            for key, spec in inputs.items()
        }
    return {key: tf.constant(body["inputs"][key], spec.dtype) for key, spec in inputs.items()}


def response_from(body, outputs):
    values = {key: value.numpy().tolist() for key, value in outputs.items()}
    if "instances" in body:
        rows = len(body["instances"])
        return {"predictions": [{key: values[key][r] for key in values} for r in range(rows)]}
    return {"outputs": values}


def problems_with(outputs):
    found = []
    for key, value in outputs.items():
        array = value.numpy()
        if array.shape[:1] != (ROWS,):
            found.append(f"{key}: {array.shape[0]} rows for {ROWS} requested")
        if not np.all(np.isfinite(array)):
            found.append(f"{key}: non-finite values")
        if key == "images" and (array.min() < 0.0 or array.max() > 1.0):
            found.append(f"images outside [0, 1]: [{array.min():.3g}, {array.max():.3g}]")
    return found


def probe(path):
    model = tf.saved_model.load(path)
    assert "tfgen" not in sys.modules, "serving must not need tfgen"
    results = []
    for name, signature in sorted(model.signatures.items()):
        inputs = signature.structured_input_signature[1]
        for body in (instances_body(name, inputs), inputs_body(name, inputs)):
            kind = "instances" if "instances" in body else "inputs"
            try:
                outputs = signature(**tensors_from(json.loads(json.dumps(body)), inputs))
                problems = problems_with(outputs)
                response = response_from(body, outputs)
            except Exception as error:  # a failed request is a finding, not a crash
                problems, response = [f"{type(error).__name__}: {error}"[:500]], None
            results.append(
                {
                    "signature": name,
                    "format": kind,
                    "request": body,
                    "response_keys": sorted(response) if response else None,
                    "ok": not problems,
                    "problems": problems,
                }
            )
    return results


def main():
    path, report = sys.argv[1], sys.argv[2]
    results = probe(path)
    with open(report, "w") as f:
        json.dump({"savedmodel": path, "requests": results}, f, indent=2)
    failed = [r for r in results if not r["ok"]]
    for r in failed:
        print(f"{r['signature']} ({r['format']}): {'; '.join(r['problems'])}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
