"""SelfAttention (Zhang et al. 2019): the identity at init, the paper's formula once gamma
is set, attention rows that sum to 1, its config and XLA."""

import keras
import numpy as np
import pytest
import tensorflow as tf

from tfgen.errors import InputError
from tfgen.networks.attention import SelfAttention, check_attention


def features(shape=(2, 5, 5, 16), seed=0):
    return np.random.default_rng(seed).normal(size=shape).astype("float32")


def conv1x1(layer, x):
    layer = getattr(layer, "layer", layer)  # a spectral-norm wrapper's convolution
    kernel, bias = layer.kernel.numpy()[0, 0], layer.bias.numpy()
    return x @ kernel + bias


def by_hand(layer, x):
    """x + gamma * v(softmax(f(x) g(x)^T) h(x)), every position a row (B, N, C)."""
    b, h, w, c = x.shape
    flat = x.reshape(b, h * w, c)
    f, g, v = (conv1x1(layer_, flat) for layer_ in (layer.query, layer.key, layer.value))
    logits = f @ g.transpose(0, 2, 1)
    beta = np.exp(logits - logits.max(-1, keepdims=True))
    beta /= beta.sum(-1, keepdims=True)
    out = conv1x1(layer.out, beta @ v)
    return (flat + float(layer.gamma.numpy()) * out).reshape(b, h, w, c), beta


def test_identity_at_init_then_the_papers_formula_once_gamma_is_set():
    x = features()
    layer = SelfAttention()
    np.testing.assert_array_equal(layer(x), x)  # gamma = 0
    assert layer.query.filters == 2 and layer.value.filters == 8  # C/8 and C/2
    layer.gamma.assign(0.7)
    y, scores = layer(x, return_attention_scores=True)
    expected, beta = by_hand(layer, x)
    assert np.abs(np.asarray(y) - x).max() > 1e-2
    np.testing.assert_allclose(y, expected, rtol=1e-4, atol=1e-4)
    np.testing.assert_allclose(scores, beta, rtol=1e-4, atol=1e-6)
    assert scores.shape == (2, 25, 25)
    np.testing.assert_allclose(np.sum(scores, axis=-1), np.ones((2, 25)), atol=1e-5)


def test_spectral_norm_wraps_its_four_convolutions_and_config_round_trips():
    layer = SelfAttention(spectral_norm=True, key_ratio=4, name="attention")
    layer(features())
    for conv in (layer.query, layer.key, layer.value, layer.out):
        assert isinstance(conv, keras.layers.SpectralNormalization)
    assert layer.query.layer.filters == 4
    config = layer.get_config()
    clone = SelfAttention.from_config(config)
    assert clone.get_config() == config
    assert (config["spectral_norm"], config["key_ratio"], config["value_ratio"]) == (True, 4, 2)
    with pytest.raises(InputError, match="key_ratio must be a positive integer"):
        SelfAttention(key_ratio=0)


def test_saves_loads_and_compiles_with_xla(tmp_path):
    inputs = keras.Input((6, 6, 8))
    model = keras.Model(inputs, SelfAttention(spectral_norm=True)(inputs))
    model.layers[-1].gamma.assign(0.5)
    x = features((3, 6, 6, 8), seed=1)
    model.save(tmp_path / "attention.keras")
    loaded = keras.saving.load_model(tmp_path / "attention.keras")
    np.testing.assert_allclose(loaded(x), model(x), atol=1e-6)
    compiled = tf.function(lambda x: model(x, training=False), jit_compile=True)
    np.testing.assert_allclose(compiled(x), model(x), atol=1e-5)


def test_check_attention_names_the_setting_and_the_resolutions():
    assert check_attention(0, [14, 7], "discriminator") == 0
    assert check_attention(14, [14, 7], "discriminator") == 14
    with pytest.raises(
        InputError, match=r"attention=28: the discriminator has no layer .*\[7, 14\]"
    ):
        check_attention(28, [14, 7], "discriminator")
