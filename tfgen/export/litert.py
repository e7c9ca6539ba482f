"""LiteRT (formerly TensorFlow Lite): convert a device function to a `.tflite` flatbuffer and
run it.

Conversion takes TensorFlow's own path for Keras 3 (the one `keras.Model.export(format=
"litert")` takes): an `ExportArchive` SavedModel, then `tf.lite.TFLiteConverter.
from_saved_model`. Converting the concrete function directly leaves Keras 3's variables as
uninitialised resource variables, and the model returns NaN. Only LiteRT's built-in ops are
allowed, so the file runs on any LiteRT runtime (no Flex delegate, no TensorFlow on the device).

The converter ships with TensorFlow 2.21; the runtime is the `ai-edge-litert` package
(`pip install 'tfgen[litert]'`). TensorFlow 2.21 still has `tf.lite.Interpreter`, deprecated in
its favour: it is the fallback when `ai-edge-litert` is missing.
"""

import tempfile
import warnings

import keras
import tensorflow as tf

FILE = "model.tflite"


def to_litert(signature, fn, specs, resources):
    """The `.tflite` flatbuffer (bytes) of `fn`, its one signature named `signature`.

    Args:
        signature: the signature key a LiteRT client passes to `get_signature_runner`.
        fn: a function of tensors named as `specs` -> {output name: tensor}.
        specs: its input `tf.TensorSpec`s (a None batch dimension stays dynamic).
        resources: the Keras models whose variables `fn` reads (frozen into the file).

    Raises:
        ConverterError: `fn` needs an op LiteRT has no built-in kernel for (the error lists
            them).
    """
    archive = keras.export.ExportArchive()
    for resource in resources:
        archive.track(resource)
    archive.add_endpoint(signature, fn, input_signature=specs)
    with tempfile.TemporaryDirectory(prefix="tfgen-litert-") as saved_model:
        archive.write_out(saved_model, verbose=False)
        converter = tf.lite.TFLiteConverter.from_saved_model(saved_model, [signature])
        converter.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS]
        return converter.convert()


def interpreter_class():
    """LiteRT's `Interpreter`: from `ai-edge-litert`, else TensorFlow's deprecated copy."""
    try:
        from ai_edge_litert.interpreter import Interpreter
    except ImportError:
        with warnings.catch_warnings():  # "tf.lite.Interpreter is deprecated": we know
            warnings.simplefilter("ignore")
            return tf.lite.Interpreter
    return Interpreter


def run_litert(model_content, signature, inputs):
    """Runs the signature of a `.tflite` flatbuffer on NumPy inputs -> {output: array}.

    The signature runner resizes a dynamic batch dimension to the inputs' rows itself.
    """
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        interpreter = interpreter_class()(model_content=model_content)
    return interpreter.get_signature_runner(signature)(**inputs)
