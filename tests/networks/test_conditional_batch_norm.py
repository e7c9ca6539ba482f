"""ConditionalBatchNormalization: plain batch norm at init, then gamma = 1 + W_g e(y) and
beta = W_b e(y) by class; its config."""

import keras
import numpy as np

from tfgen.networks.conditional_batch_norm import ConditionalBatchNormalization


def data(shape, seed=0):
    rng = np.random.default_rng(seed)
    return (rng.normal(size=shape) * 3 + 2).astype("float32")


def test_equals_plain_batch_norm_at_init_in_training_and_inference():
    for shape in ((8, 4, 4, 6), (8, 6)):  # after a convolution, after a dense layer
        x, embedding = data(shape), data((8, 5), seed=1)
        cbn = ConditionalBatchNormalization()
        plain = keras.layers.BatchNormalization(center=False, scale=False, momentum=0.9)
        out = cbn([x, embedding], training=True)
        np.testing.assert_allclose(out, plain(x, training=True), atol=1e-5)
        axes = tuple(range(len(shape) - 1))  # by hand: the batch's statistics, epsilon 1e-3
        np.testing.assert_allclose(out, (x - x.mean(axes)) / np.sqrt(x.var(axes) + 1e-3), atol=1e-4)
        np.testing.assert_allclose(  # the moving statistics moved alike
            cbn([x, embedding], training=False), plain(x, training=False), atol=1e-5
        )


def test_scale_and_shift_follow_the_class_embedding():
    x = data((4, 3, 3, 2))
    table = np.array([[1.0, 0.0], [0.0, 1.0]], "float32")  # e(y) for two classes
    labels = np.array([0, 1, 0, 1])
    cbn = ConditionalBatchNormalization()
    cbn([x, table[labels]])
    cbn.gamma_projection.kernel.assign([[0.5, 0.0], [0.0, -0.5]])  # W_g: (E, C)
    cbn.beta_projection.kernel.assign([[1.0, 2.0], [3.0, 4.0]])
    out = np.asarray(cbn([x, table[labels]], training=True))
    normalized = (x - x.mean((0, 1, 2))) / np.sqrt(x.var((0, 1, 2)) + 1e-3)
    gamma = np.array([[1.5, 1.0], [1.0, 0.5]])[labels][:, None, None]  # 1 + e W_g
    beta = np.array([[1.0, 2.0], [3.0, 4.0]])[labels][:, None, None]  # e W_b
    np.testing.assert_allclose(out, gamma * normalized + beta, atol=1e-4)
    swapped = np.asarray(cbn([x, table[1 - labels]], training=True))
    assert np.abs(swapped - out).max() > 0.5  # another label, another output


def test_config_round_trips_and_spectral_norm_wraps_the_projections():
    cbn = ConditionalBatchNormalization(spectral_norm=True, momentum=0.8, name="cbn")
    cbn([data((4, 3)), data((4, 5))])
    assert isinstance(cbn.gamma_projection, keras.layers.SpectralNormalization)
    config = cbn.get_config()
    assert ConditionalBatchNormalization.from_config(config).get_config() == config
    assert (config["spectral_norm"], config["momentum"], config["epsilon"]) == (True, 0.8, 1e-3)
    assert cbn.normalize.momentum == 0.8
