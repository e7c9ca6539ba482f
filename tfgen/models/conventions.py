"""Keras's conventions, kept by every tfgen model: `fit` and `evaluate` check the pixel range
and the number of batches they are fed, `compile` honours or refuses each argument (never
drops one), and `export(path)` writes the signatures `tfgen export` writes.

The pixel range is checked in each training and test step (`pixel_checked`): one
reduce_min and one reduce_max of the batch, gating the whole step, which works inside `tf.function`
under any tf.distribute strategy. XLA compiles asserts away, so when the step is XLA-compiled
the data is checked before it instead (a `map` on a dataset, once over arrays). Either way
the error reaches the caller as an `InputError`, not TensorFlow's InvalidArgumentError.
"""

import contextlib
import functools
import inspect
import re

import keras
import numpy as np
import tensorflow as tf

from tfgen.data.pipeline import check_steps_per_epoch
from tfgen.errors import InputError
from tfgen.models.archive import build_archive
from tfgen.models.optimizers import adam, build_optimizer
from tfgen.ops.serving import DEFAULT_MAX_BATCH

# float noise allowed past either end of a model's range (a resize, a cast, 8-bit rounding)
PIXEL_TOLERANCE = 1e-3
_PIXEL_MARKER = "tfgen: pixels outside the pixel range of the model"
_PIXEL_ERROR = re.compile(re.escape(_PIXEL_MARKER) + r"\] \[(\S+)\] \[(\S+)\]")
# ranges data commonly comes in, for the Rescaling the message suggests
_SOURCE_RANGES = ((0.0, 1.0), (-1.0, 1.0), (0.0, 255.0))
# compile() arguments no tfgen model reads: each computes its loss and tracks its metrics
_UNUSED_COMPILE_ARGUMENTS = ("loss", "loss_weights", "metrics", "weighted_metrics")
_FIT = inspect.signature(keras.Model.fit)
_EVALUATE = inspect.signature(keras.Model.evaluate)
_KERAS_BATCH_SIZE = 32  # `fit`'s batch size for arrays when none is given


def pixel_check(images, pixel_range):
    """An assertion that the min and max of `images` lie in `pixel_range` (within
    PIXEL_TOLERANCE); run, it fails with an InvalidArgument that `pixel_range_errors` turns
    into an InputError. NaN pixels fail it too."""
    low, high = pixel_range
    x = tf.cast(images, tf.float32)
    lowest, highest = tf.reduce_min(x), tf.reduce_max(x)
    inside = tf.logical_and(lowest >= low - PIXEL_TOLERANCE, highest <= high + PIXEL_TOLERANCE)
    return tf.debugging.Assert(inside, [_PIXEL_MARKER, lowest, highest])


def pixel_checked(step):
    """`step` (a `train_step` or `test_step`) run only once the batch's images pass
    `pixel_check`: every op of the step depends on it, so a refused batch updates nothing."""

    @functools.wraps(step)
    def checked_step(self, data):
        images = keras.utils.unpack_x_y_sample_weight(data)[0]
        with tf.control_dependencies([pixel_check(images, self.pixel_range)]):
            return step(self, data)

    return checked_step


def pixel_range_message(model, lowest, highest):
    """What an InputError says of data outside `model.pixel_range`: the expected range, the
    received min and max, and the fix."""
    low, high = model.pixel_range
    fix = (
        "Load the data with tfgen.data.load_dataset(..., pixel_range=model.pixel_range) (as "
        "tfgen train does), or rescale it with keras.layers.Rescaling(scale, offset)"
    )
    source = next(
        (
            (a, b)
            for a, b in _SOURCE_RANGES
            if a - PIXEL_TOLERANCE <= lowest and highest <= b + PIXEL_TOLERANCE
        ),
        None,
    )
    if source is not None:
        scale = (high - low) / (source[1] - source[0])
        scale_text = f"{high - low:g}/255" if source[1] == 255.0 else f"{scale:g}"
        offset = low - source[0] * scale
        fix += (
            f": Rescaling({scale_text}, offset={offset:g}) maps [{source[0]:g}, {source[1]:g}] "
            f"to [{low:g}, {high:g}]"
        )
    return (
        f"{type(model).__name__} expects pixels in [{low:g}, {high:g}] (pixel_range), but a "
        f"batch it was fed holds values in [{lowest:g}, {highest:g}]. {fix}. "
        f"Received: min={lowest:g}, max={highest:g}"
    )


@contextlib.contextmanager
def pixel_range_errors(model):
    """Turns the InvalidArgument of `pixel_check`, raised inside a step, into an InputError
    naming the model's range and what it got; any other error passes unchanged."""
    try:
        yield
    except tf.errors.InvalidArgumentError as e:
        found = _PIXEL_ERROR.search(e.message or "")
        if found is None:
            raise
        lowest, highest = (float(v) for v in found.groups())
        raise InputError(pixel_range_message(model, lowest, highest)) from None


class KerasConventions:
    """`fit`, `evaluate`, `compile` and `export` as Keras users expect them of a tfgen model.

    A family lists the settings that define its objective in `loss_settings`, named when
    `compile(loss=...)` is refused. `uses_keras_optimizer` is False for the two-optimizer
    models (`TwoOptimizersMixin`), which refuse `optimizer=`.
    """

    loss_settings = ()
    uses_keras_optimizer = True

    def __init_subclass__(cls, **kwargs):
        """Every `train_step` and `test_step` a family defines checks its batch's pixels
        first (`pixel_checked`), whoever writes the family."""
        super().__init_subclass__(**kwargs)
        for name in ("train_step", "test_step"):
            if name in cls.__dict__:
                setattr(cls, name, pixel_checked(cls.__dict__[name]))

    # ---- compile --------------------------------------------------------------------------

    def compile(self, optimizer=None, **kwargs):
        """Keras's `compile`, except that:

        - `optimizer=None` keeps the model's optimizer (a recompile for `jit_compile` or
          `steps_per_execution` does not reset its state); a model never compiled gets the
          Adam of its options' `learning_rate` (Keras would pick RMSprop);
        - `loss`, `loss_weights`, `metrics` and `weighted_metrics` are refused: the model
          computes its own loss and tracks its own metrics, so Keras's would be ignored.

        `jit_compile`, `steps_per_execution`, `run_eagerly` and `auto_scale_loss` are
        honoured as Keras documents them.

        Raises:
            InputError: an argument the model does not use, naming what to use instead.
        """
        self._refuse_unused_compile_arguments(kwargs)
        if optimizer is None and self.uses_keras_optimizer:
            optimizer = getattr(self, "optimizer", None)
        if optimizer is None and self.uses_keras_optimizer:
            optimizer = adam(getattr(getattr(self, "options", None), "learning_rate", 1e-3))
        super().compile(optimizer=optimizer, **kwargs)
        if self.uses_keras_optimizer:
            build_optimizer(self.optimizer, self.trainable_variables)

    def compile_from_config(self, config):
        """Recompiles a loaded model with its saved optimizer (Keras skips a custom
        `compile` on load, which would lose the optimizer's state)."""
        self.compile(**keras.saving.deserialize_keras_object(config))

    def _refuse_unused_compile_arguments(self, kwargs):
        name = type(self).__name__
        given = {k: kwargs.pop(k) for k in _UNUSED_COMPILE_ARGUMENTS if k in kwargs}
        given = {k: v for k, v in given.items() if v is not None}
        if not given:
            return
        if self.loss_settings:
            objective = (
                f"Its objective is set by the setting(s) {', '.join(self.loss_settings)} "
                f"(e.g. tfgen train ... --set {self.loss_settings[0]}=..., or "
                f"build_model(name, shape, {self.loss_settings[0]}=...))"
            )
        else:
            objective = "Its objective is fixed"
        tracked = ", ".join(m.name for m in self.metrics)
        raise InputError(
            f"{name} computes its own loss and tracks its own metrics ({tracked}), so "
            f"compile() does not take {', '.join(sorted(given))}: Keras would ignore it. "
            f"{objective}; other metrics come from tfgen evaluate. "
            f"Received: {', '.join(f'{k}={v!r}' for k, v in sorted(given.items()))}"
        )

    # ---- fit and evaluate -----------------------------------------------------------------

    def fit(self, *args, **kwargs):
        """Keras's `fit`, which first checks how many steps an epoch makes (none: InputError;
        fewer than `tfgen.data.pipeline.MIN_STEPS_PER_EPOCH`: a `FewStepsWarning`) and turns
        pixels outside `pixel_range` into an InputError."""
        bound = _FIT.bind(self, *args, **kwargs)
        call = bound.arguments
        if call.get("steps_per_epoch") is None:
            steps, batch_size, examples = _batching(
                call.get("x"), call.get("batch_size"), call.get("validation_split", 0.0)
            )
            who = f"{type(self).__name__}.fit"
            check_steps_per_epoch(steps, batch_size=batch_size, examples=examples, who=who)
        call["x"] = self._checked_before_compiled_step(call.get("x"))
        if call.get("validation_data") is not None:
            call["validation_data"] = self._checked_before_compiled_step(call["validation_data"])
        with pixel_range_errors(self):
            return super().fit(*bound.args[1:], **bound.kwargs)

    def evaluate(self, *args, **kwargs):
        """Keras's `evaluate`, pixels outside `pixel_range` refused with an InputError."""
        bound = _EVALUATE.bind(self, *args, **kwargs)
        bound.arguments["x"] = self._checked_before_compiled_step(bound.arguments.get("x"))
        with pixel_range_errors(self):
            return super().evaluate(*bound.args[1:], **bound.kwargs)

    def train_on_batch(self, *args, **kwargs):
        with pixel_range_errors(self):
            return super().train_on_batch(*args, **kwargs)

    def test_on_batch(self, *args, **kwargs):
        with pixel_range_errors(self):
            return super().test_on_batch(*args, **kwargs)

    def _checked_before_compiled_step(self, data):
        """`data` with its pixels checked outside the step when XLA compiles the step (its
        assert would be compiled away): a dataset gets a checking `map`, arrays (or a tuple
        of them, images first) are checked now. Other data, and any data without XLA, is
        checked in the step."""
        if self.run_eagerly or not self.jit_compile:
            return data
        if isinstance(data, tf.data.Dataset):
            return data.map(self._checked_element, num_parallel_calls=tf.data.AUTOTUNE)
        images = data[0] if isinstance(data, tuple | list) else data
        if isinstance(images, np.ndarray | tf.Tensor) and np.size(images):
            values = np.asarray(images, np.float32)
            lowest, highest = float(values.min()), float(values.max())
            low, high = self.pixel_range
            if not (lowest >= low - PIXEL_TOLERANCE and highest <= high + PIXEL_TOLERANCE):
                raise InputError(pixel_range_message(self, lowest, highest))
        return data

    def _checked_element(self, *element):
        with tf.control_dependencies([pixel_check(element[0], self.pixel_range)]):
            element = tuple(tf.identity(t) for t in element)
        return element if len(element) > 1 else element[0]

    # ---- export ---------------------------------------------------------------------------

    def export(
        self, filepath, format="tf_saved_model", verbose=None, input_signature=None, **kwargs
    ):
        """Writes a SavedModel with the signatures `tfgen export` writes (sample, generate,
        reconstruct, encode, decode, classify: what the model serves; the first is
        serving_default), where Keras's own export would trace `call` and fail ("never
        called") for a GAN. Other formats, or an explicit `input_signature`, go to Keras's
        `Model.export`.

        Args:
            filepath: the SavedModel's folder (not versioned; `tfgen.export.export_model`
                writes `saved_models/<name>/<version>/` with metadata, verified).
            max_batch: (keyword) the most rows one request may carry.
        """
        if format != "tf_saved_model" or input_signature is not None:
            return super().export(
                filepath, format=format, verbose=verbose, input_signature=input_signature, **kwargs
            )
        max_batch = kwargs.pop("max_batch", DEFAULT_MAX_BATCH)
        if kwargs:
            raise InputError(
                f"export takes max_batch besides Keras's arguments. Received: {sorted(kwargs)}"
            )
        archive, _ = build_archive(self, max_batch=max_batch)
        archive.write_out(str(filepath), verbose=bool(verbose))


def _batching(x, batch_size, validation_split):
    """(training steps per epoch, batch size, examples) of what `fit` is given, each None
    where it cannot be known without reading the data (a repeated dataset, a generator)."""
    if isinstance(x, tf.data.Dataset):
        steps = int(x.cardinality())
        spec = tf.nest.flatten(x.element_spec)[0]
        size = spec.shape[0] if spec.shape.rank else None
        return (steps if steps >= 0 else None), size, None
    images = x[0] if isinstance(x, tuple | list) and x else x
    if not isinstance(images, np.ndarray | tf.Tensor) or np.ndim(images) == 0:
        return None, None, None
    examples = int(images.shape[0])
    if validation_split:
        examples = int(np.ceil(examples * (1.0 - validation_split)))
    size = batch_size or _KERAS_BATCH_SIZE
    return -(-examples // size), size, examples
