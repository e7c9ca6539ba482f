"""Optimizer helpers for models that own more than one optimizer."""

import keras


def adam(learning_rate, beta_1=0.9, beta_2=0.999):
    return keras.optimizers.Adam(learning_rate=learning_rate, beta_1=beta_1, beta_2=beta_2)


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
