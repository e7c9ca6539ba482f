"""Spectral normalization (Miyato et al. 2018): each weight matrix divided by its largest
singular value, estimated by power iteration, so every layer is (about) 1-Lipschitz.

Keras's `keras.layers.SpectralNormalization` runs one power iteration per training call and
assigns the normalized kernel back into the wrapped layer's kernel variable, so the stored
kernel itself has spectral norm ~1 after each step (the optimizer then moves it slightly);
inference calls use the stored kernel as it is.
"""

from keras import layers


def spectral(layer, enabled=True):
    """`layer` wrapped in spectral normalization when `enabled`, else `layer` itself.

    The wrapper takes the layer's dtype policy: Keras's wrapper casts its output to its
    input's dtype, so a float32 layer (logits under mixed precision) must get float32 inputs.

    Example:
        x = spectral(layers.Conv2D(64, 3, padding="same"), enabled=True)(x)
    """
    if not enabled:
        return layer
    return layers.SpectralNormalization(
        layer, power_iterations=1, dtype=layer.dtype_policy, name=f"sn_{layer.name}"
    )
