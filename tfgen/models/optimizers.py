"""Optimizer helpers: the update every model's `train_step` makes, loss-scaled under float16,
and the two-optimizer compile of adversarial models."""

import keras
import tensorflow as tf

from tfgen.config import TwoOptimizers
from tfgen.errors import InputError


def adam(learning_rate, beta_1=0.9, beta_2=0.999):
    return keras.optimizers.Adam(learning_rate=learning_rate, beta_1=beta_1, beta_2=beta_2)


def two_adams(options):
    """(D's Adam, G's Adam) with the learning rates and betas of `options` (a validated
    `tfgen.config.TwoOptimizers`)."""
    return (
        adam(options.d_learning_rate, options.d_beta_1, options.d_beta_2),
        adam(options.g_learning_rate, options.g_beta_1, options.g_beta_2),
    )


def apply_update(optimizer, tape, loss, variables):
    """Applies the gradients of `loss` (recorded on `tape`) to `variables`; returns their norm.

    Under mixed_float16 `optimizer` is a LossScaleOptimizer: the gradient is seeded with its
    loss scale so small float16 gradients do not underflow, and `apply_gradients` unscales
    them and skips the step when they overflow. For any other optimizer the scale is 1.
    """
    scale = tf.cast(optimizer.scale_loss(tf.ones_like(loss)), loss.dtype)
    gradients = tape.gradient(loss, variables, output_gradients=scale)
    optimizer.apply_gradients(zip(gradients, variables))
    return tf.linalg.global_norm(gradients) / tf.cast(scale, tf.float32)


def loss_scaled(optimizer, dtype_policy):
    """`optimizer` wrapped in a LossScaleOptimizer when the model computes in float16 (as
    `Model.compile` does for a model's one optimizer); bfloat16 and float32 need none."""
    if dtype_policy.name == "mixed_float16" and not isinstance(
        optimizer, keras.optimizers.LossScaleOptimizer
    ):
        return keras.optimizers.LossScaleOptimizer(optimizer)
    return optimizer


def build_optimizer(optimizer, variables):
    """Creates the optimizer's slots now, eagerly.

    Lazy creation inside the first `tf.function` step fails under MirroredStrategy, and a
    saved model's optimizer state can only load into slots that exist. Guarded because
    `LossScaleOptimizer.build` is not idempotent.
    """
    if not optimizer.built:
        optimizer.build(variables)


def serialize_optimizers(**optimizers):
    return {name: keras.saving.serialize_keras_object(opt) for name, opt in optimizers.items()}


def deserialize_optimizers(config):
    return {name: keras.saving.deserialize_keras_object(c) for name, c in config.items()}


class TwoOptimizersMixin:
    """`compile(d_optimizer, g_optimizer)` for adversarial models, and its round trip through
    a saved model's compile config (else a reloaded `.keras` file loses both optimizers'
    state). Both optimizers are built eagerly. The model lists what `g_optimizer` updates in
    `generator_side_variables`."""

    uses_keras_optimizer = False  # Keras's one `optimizer` stays None (see KerasConventions)

    def compile(self, d_optimizer=None, g_optimizer=None, optimizer=None, **kwargs):
        """An optimizer not given is the model's current one (so a recompile for
        `jit_compile` or `steps_per_execution` keeps both optimizers' state), else the Adam
        of the model's options (`TwoOptimizers`), or of `TwoOptimizers`' defaults (Radford
        et al. 2016) for a model built by hand. `auto_scale_loss=False` leaves both
        unscaled under mixed_float16; the other arguments are `KerasConventions.compile`'s.

        Raises:
            InputError: `optimizer=` (the model has two), or an argument it does not use.
        """
        if optimizer is not None:
            raise InputError(
                f"{type(self).__name__} trains two optimizers, the discriminator's and the "
                "generator's: compile() takes d_optimizer= and g_optimizer=, not optimizer=. "
                "Their Adam learning rates and betas are settings: tfgen train ... --set "
                "d_learning_rate=1e-4 --set g_learning_rate=1e-4 (d_beta_1, g_beta_1, ... "
                "likewise; build_model(name, shape, d_learning_rate=1e-4) in Python). "
                f"Received: optimizer={optimizer!r}"
            )
        super().compile(optimizer=None, **kwargs)  # None: else Keras adds an unused RMSprop
        if d_optimizer is None:
            d_optimizer = getattr(self, "d_optimizer", None)
        if g_optimizer is None:
            g_optimizer = getattr(self, "g_optimizer", None)
        if d_optimizer is None or g_optimizer is None:
            options = getattr(self, "options", None)
            d_default, g_default = two_adams(
                options if isinstance(options, TwoOptimizers) else TwoOptimizers()
            )
            d_optimizer = d_default if d_optimizer is None else d_optimizer
            g_optimizer = g_default if g_optimizer is None else g_optimizer
        d_optimizer = keras.optimizers.get(d_optimizer)
        g_optimizer = keras.optimizers.get(g_optimizer)
        # both players are loss-scaled under float16, not only Keras's one `optimizer`
        if kwargs.get("auto_scale_loss", True):
            d_optimizer = loss_scaled(d_optimizer, self.dtype_policy)
            g_optimizer = loss_scaled(g_optimizer, self.dtype_policy)
        self.d_optimizer, self.g_optimizer = d_optimizer, g_optimizer
        build_optimizer(self.d_optimizer, self.discriminator.trainable_variables)
        build_optimizer(self.g_optimizer, self.generator_side_variables)

    def get_compile_config(self):
        return serialize_optimizers(d_optimizer=self.d_optimizer, g_optimizer=self.g_optimizer)

    def compile_from_config(self, config):
        self.compile(**deserialize_optimizers(config))
