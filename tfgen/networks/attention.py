"""Self-attention for convolutional GANs (Zhang et al. 2019, SAGAN)."""

import keras
from keras import layers, ops

from tfgen.errors import InputError
from tfgen.networks.spectral import spectral


@keras.saving.register_keras_serializable(package="tfgen")
class SelfAttention(layers.Layer):
    """y = x + gamma * o: every position attends to every other one of its feature map.

    With f, g, h, v 1x1 convolutions (Zhang et al. 2019, sec. 3): f(x), g(x) have C/8
    channels, beta = softmax over positions j of f(x_i) . g(x_j), o_i = v(sum_j beta_ij
    h(x_j)). h has C/2 channels as in the BigGAN-style implementation (the paper's formula uses
    C; C/2 halves the cost), and v maps them back to C. gamma starts at 0, so the block starts
    as the identity and the network learns how much non-local evidence to use. The keys and
    values are not max-pooled (the released code's 4x saving): at 14x14 the attention matrix
    has only 196 x 196 entries per image.

    Args:
        spectral_norm: spectral normalization on the four convolutions (SAGAN uses it in both
            networks; use it where the rest of the network does).
        key_ratio: C / the channels of f and g (8).
        value_ratio: C / the channels of h (2).

    Call args:
        inputs: (B, H, W, C) features.
        return_attention_scores: also return beta, (B, H*W, H*W), rows summing to 1.

    Example:
        x = SelfAttention(spectral_norm=True)(x)  # (B, 14, 14, 64) -> (B, 14, 14, 64)
    """

    def __init__(self, spectral_norm=False, key_ratio=8, value_ratio=2, **kwargs):
        super().__init__(**kwargs)
        for name, ratio in (("key_ratio", key_ratio), ("value_ratio", value_ratio)):
            if not isinstance(ratio, int) or isinstance(ratio, bool) or ratio < 1:
                raise InputError(f"{name} must be a positive integer. Received: {name}={ratio!r}")
        self.spectral_norm = bool(spectral_norm)
        self.key_ratio = key_ratio
        self.value_ratio = value_ratio

    def build(self, input_shape):
        channels = int(input_shape[-1])
        keys, values = max(1, channels // self.key_ratio), max(1, channels // self.value_ratio)

        def conv(filters, name):
            return spectral(layers.Conv2D(filters, 1, name=name), self.spectral_norm)

        self.query = conv(keys, "query")  # f
        self.key = conv(keys, "key")  # g
        self.value = conv(values, "value")  # h
        self.out = conv(channels, "attention_output")  # v
        self.query.build(input_shape)
        self.key.build(input_shape)
        self.value.build(input_shape)
        self.out.build((*input_shape[:-1], values))
        self.gamma = self.add_weight(shape=(), initializer="zeros", name="gamma")

    def call(self, inputs, training=False, return_attention_scores=False):
        batch, height, width = ops.shape(inputs)[0], ops.shape(inputs)[1], ops.shape(inputs)[2]
        positions = height * width

        def flat(x):  # (B, H, W, c) -> (B, H*W, c)
            return ops.reshape(x, (batch, positions, ops.shape(x)[-1]))

        query = flat(self.query(inputs, training=training))
        key = flat(self.key(inputs, training=training))
        value = flat(self.value(inputs, training=training))
        scores = ops.softmax(ops.matmul(query, ops.transpose(key, (0, 2, 1))), axis=-1)
        attended = ops.reshape(ops.matmul(scores, value), (batch, height, width, -1))
        outputs = inputs + ops.cast(self.gamma, inputs.dtype) * self.out(
            attended, training=training
        )
        return (outputs, scores) if return_attention_scores else outputs

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {
            **super().get_config(),
            "spectral_norm": self.spectral_norm,
            "key_ratio": self.key_ratio,
            "value_ratio": self.value_ratio,
        }


def check_attention(resolution, available, network):
    """`resolution` if 0 (no attention) or one of `available` (the side lengths of the
    feature maps `network` can attend over).

    Raises:
        InputError: naming the `attention` setting and the resolutions this network has.
    """
    if resolution and resolution not in available:
        raise InputError(
            f"attention={resolution}: the {network} has no layer at {resolution}x{resolution}; "
            f"use 0 (none) or one of its resolutions {sorted(set(available))}. "
            f"Received: attention={resolution!r}"
        )
    return resolution
