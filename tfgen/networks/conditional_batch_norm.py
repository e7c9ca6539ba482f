"""Conditional batch normalization (de Vries et al. 2017; Dumoulin et al. 2017): batch norm
whose scale and shift are functions of the class, the generator-side conditioning of
cGANs with projection discriminators (Miyato and Koyama 2018) and of BigGAN (Brock et al.
2019), which feeds every layer one shared class embedding."""

import keras
from keras import layers, ops

from tfgen.networks.architecture import batch_norm
from tfgen.networks.spectral import spectral


@keras.saving.register_keras_serializable(package="tfgen")
class ConditionalBatchNormalization(layers.Layer):
    """[x, e] -> gamma(e) * BN(x) + beta(e), with gamma = 1 + W_g e and beta = W_b e.

    BN(x) is batch norm without its own affine (the batch's statistics in training, moving
    ones in inference); e is a class embedding, (B, E), shared by every CBN of the network
    (BigGAN). W_g and W_b start at zero, so the layer starts as plain batch norm (gamma 1,
    beta 0) and learns how far each class moves each channel.

    Args:
        spectral_norm: spectral normalization on W_g and W_b (BigGAN uses it; SNGAN's G has
            none).
        momentum, epsilon: of the batch statistics (tfgen's BN momentum 0.9, Keras's 1e-3).

    Call args:
        inputs: [x, e]: features (B, ..., C) (dense or convolutional) and the embedding (B, E).

    Example:
        e = layers.Embedding(10, 128)(label)
        x = ConditionalBatchNormalization()([x, e])
    """

    def __init__(self, spectral_norm=False, momentum=0.9, epsilon=1e-3, **kwargs):
        super().__init__(**kwargs)
        self.spectral_norm = bool(spectral_norm)
        self.momentum = momentum
        self.epsilon = epsilon
        self.normalize = batch_norm(momentum, center=False, scale=False, epsilon=epsilon, name="bn")

    def build(self, input_shape):
        features_shape, embedding_shape = input_shape
        channels = int(features_shape[-1])

        def projection(name):
            dense = layers.Dense(channels, use_bias=False, kernel_initializer="zeros", name=name)
            return spectral(dense, self.spectral_norm)

        self.gamma_projection = projection("gamma_projection")
        self.beta_projection = projection("beta_projection")
        self.normalize.build(features_shape)
        self.gamma_projection.build(embedding_shape)
        self.beta_projection.build(embedding_shape)

    def call(self, inputs, training=False):
        x, embedding = inputs
        normalized = self.normalize(x, training=training)
        # (B, C) -> (B, 1, ..., 1, C), broadcasting over the spatial axes
        shape = (-1,) + (1,) * (len(x.shape) - 2) + (x.shape[-1],)
        gamma = ops.reshape(1.0 + self.gamma_projection(embedding, training=training), shape)
        beta = ops.reshape(self.beta_projection(embedding, training=training), shape)
        return ops.cast(gamma, normalized.dtype) * normalized + ops.cast(beta, normalized.dtype)

    def compute_output_shape(self, input_shape):
        return input_shape[0]

    def get_config(self):
        return {
            **super().get_config(),
            "spectral_norm": self.spectral_norm,
            "momentum": self.momentum,
            "epsilon": self.epsilon,
        }
