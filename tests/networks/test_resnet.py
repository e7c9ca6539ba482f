"""SNGAN's ResNets: shapes per image size, spectral norm on every layer of D, attention
placement, conditional batch norm in the conditional G, float32 outputs."""

import keras
import numpy as np
import pytest

from tfgen.errors import InputError
from tfgen.networks.attention import SelfAttention
from tfgen.networks.conditional_batch_norm import ConditionalBatchNormalization
from tfgen.networks.resnet import (
    GlobalSumPooling2D,
    build_resnet_discriminator,
    build_resnet_generator,
)

WEIGHTED = (keras.layers.Conv2D, keras.layers.Dense, keras.layers.Embedding)


def layers_of(model):
    """Every layer, the inner layers of attention and conditional batch norm included."""
    for layer in model.layers:
        yield layer
        if isinstance(layer, SelfAttention):
            yield from (layer.query, layer.key, layer.value, layer.out)
        if isinstance(layer, ConditionalBatchNormalization):
            yield from (layer.gamma_projection, layer.beta_projection)


def bare(model):
    """Layers with a kernel that no spectral normalization wraps."""
    return [layer.name for layer in layers_of(model) if isinstance(layer, WEIGHTED)]


def wrapped(model):
    return [x for x in layers_of(model) if isinstance(x, keras.layers.SpectralNormalization)]


def count(model, kind):
    return sum(isinstance(layer, kind) for layer in model.layers)


@pytest.mark.parametrize(
    "shape, start, blocks",
    [((28, 28, 1), 7, 2), ((32, 32, 3), 4, 3), ((64, 64, 3), 4, 4), ((8, 8, 1), 4, 1)],
)
def test_shapes_and_blocks_follow_the_image_size(shape, start, blocks):
    g = build_resnet_generator(shape, latent_dim=16, width=8)
    d = build_resnet_discriminator(shape, width=8)
    assert g.output_shape == (None, *shape) and d.output_shape == (None, 1)
    (reshape,) = [x for x in g.layers if isinstance(x, keras.layers.Reshape)]
    assert reshape.output.shape[1:3] == (start, start)
    assert count(g, keras.layers.UpSampling2D) == 2 * blocks  # main path and shortcut
    assert count(d, keras.layers.AveragePooling2D) == 2 * blocks  # D halves as often
    assert count(d, GlobalSumPooling2D) == 1
    images = g(np.random.default_rng(0).normal(size=(2, 16)).astype("float32") * 10)
    assert np.abs(np.asarray(images)).max() <= 1.0  # tanh
    assert d(images).shape == (2, 1)


def test_spectral_norm_on_every_layer_of_d_and_in_g_only_when_asked():
    d = build_resnet_discriminator((28, 28, 1), width=8, attention=14, num_classes=10)
    assert not bare(d), bare(d)  # convolutions, logit, projection, attention's convolutions
    names = {layer.layer.name for layer in wrapped(d)}
    assert {"logits", "label_projection", "query", "attention_output"} <= names
    # 2 blocks of 3 convolutions, 1 of 2, attention's 4, the logit and the projection
    assert len(wrapped(d)) == 2 * 3 + 2 + 4 + 2
    g = build_resnet_generator((28, 28, 1), width=8, attention=14, num_classes=10)
    assert not wrapped(g)
    g_sn = build_resnet_generator(
        (28, 28, 1), width=8, attention=14, spectral_norm=True, num_classes=10
    )
    # the shared class embedding is a lookup table, not a layer of the network's function
    assert bare(g_sn) == ["class_embedding"]


def test_conditional_generator_uses_conditional_batch_norm_in_every_block():
    g = build_resnet_generator((28, 28, 1), width=8, num_classes=10)
    assert count(g, ConditionalBatchNormalization) == 2 * 2  # two per block
    assert count(g, keras.layers.BatchNormalization) == 1  # the last one stays plain
    assert [tuple(i.shape) for i in g.inputs] == [(None, 128), (None,)]  # z not concatenated
    z = np.random.default_rng(0).normal(size=(4, 128)).astype("float32")
    for layer in g.layers:  # move every class's scale away from 1
        if isinstance(layer, ConditionalBatchNormalization):
            layer.gamma_projection.kernel.assign(np.full(layer.gamma_projection.kernel.shape, 0.3))
    a = g([z, np.zeros(4, "int32")], training=False)
    b = g([z, np.ones(4, "int32")], training=False)
    assert np.abs(np.asarray(a) - np.asarray(b)).max() > 1e-3


def test_attention_goes_where_asked_and_elsewhere_is_refused():
    g = build_resnet_generator((28, 28, 1), width=8, attention=14)
    d = build_resnet_discriminator((28, 28, 1), width=8, attention=14)
    for model in (g, d):
        (attention,) = [x for x in model.layers if isinstance(x, SelfAttention)]
        assert attention.output.shape[1:] == (14, 14, 8)
    assert not any(isinstance(x, SelfAttention) for x in build_resnet_generator((28, 28, 1)).layers)
    with pytest.raises(InputError, match=r"attention=28: the discriminator .*\[7, 14\]"):
        build_resnet_discriminator((28, 28, 1), attention=28)
    with pytest.raises(InputError, match=r"attention=16: the generator .*\[7, 14, 28\]"):
        build_resnet_generator((28, 28, 1), attention=16)


def test_outputs_stay_float32_under_mixed_precision():
    keras.mixed_precision.set_dtype_policy("mixed_bfloat16")
    try:
        g = build_resnet_generator((8, 8, 1), latent_dim=4, width=8, num_classes=3)
        d = build_resnet_discriminator((8, 8, 1), width=8, attention=4, num_classes=3)
        labels = keras.ops.arange(2, dtype="int32")
        images = g([keras.ops.ones((2, 4)), labels], training=True)
        scores = d([images, labels], training=True)
        assert images.dtype == "float32" and scores.dtype == "float32"
    finally:
        keras.mixed_precision.set_dtype_policy("float32")
