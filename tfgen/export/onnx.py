"""ONNX: convert a device function with tf2onnx and run it with ONNX Runtime.

tf2onnx 1.17 converts TensorFlow 2.21 / Keras 3.15 functions (it freezes the variables itself)
and ONNX Runtime runs them; both are optional (`pip install 'tfgen[onnx]'`) and imported only
here, when an ONNX export runs.
"""

import tensorflow as tf

from tfgen.errors import InputError

FILE = "model.onnx"
OPSET = 17  # ONNX Runtime >= 1.13 runs it; tf2onnx 1.17 writes up to 18 (its default is 15)


def _require(module):
    try:
        return __import__(module)
    except ImportError as e:
        raise InputError(
            f"format='onnx' needs tf2onnx and onnxruntime: pip install 'tfgen[onnx]'. Received: {e}"
        ) from None


def to_onnx(fn, specs):
    """The ONNX model (serialized bytes) of `fn`: inputs named as `specs`, outputs as its dict
    keys, a None batch dimension kept dynamic."""
    _require("onnx")
    tf2onnx = _require("tf2onnx")
    function = tf.function(fn, input_signature=specs)
    model, _ = tf2onnx.convert.from_function(function, input_signature=specs, opset=OPSET)
    return model.SerializeToString()


def run_onnx(model_content, inputs):
    """Runs an ONNX model on NumPy inputs with ONNX Runtime's CPU provider -> {output: array}."""
    ort = _require("onnxruntime")
    session = ort.InferenceSession(model_content, providers=["CPUExecutionProvider"])
    names = [output.name for output in session.get_outputs()]
    return dict(zip(names, session.run(names, inputs)))
