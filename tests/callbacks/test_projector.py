"""The embedding projector files hold the model's codes of the fixed batch, with labels."""

import numpy as np
import tensorflow as tf

from tfgen.callbacks import LatentProjector
from tfgen.callbacks.projector import TENSOR_NAME
from tfgen.data import load_dataset, load_examples
from tfgen.models.vae import build_vae


def test_projector_checkpoint_matches_the_codes(tmp_path):
    vae = build_vae((8, 8, 1), latent_dim=3, architecture="dense", widths=[16])
    images, labels = load_examples("digits", pixel_range=(0, 1))
    callback = LatentProjector(tmp_path, images[:50], labels[:50])
    vae.fit(
        load_dataset("digits", pixel_range=(0, 1)).take(2),
        epochs=2,
        callbacks=[callback],
        verbose=0,
    )
    folder = tmp_path  # the run folder itself, where TensorBoard looks
    config = (folder / "projector_config.pbtxt").read_text()
    assert TENSOR_NAME in config and "metadata.tsv" in config and "sprite.png" in config
    assert (folder / "metadata.tsv").read_text().split() == [str(y) for y in labels[:50]]
    stored = tf.train.load_variable(tf.train.latest_checkpoint(str(folder)), TENSOR_NAME)
    np.testing.assert_allclose(stored, vae.encode_latent(images[:50]), atol=1e-6)
    sprite = tf.io.decode_png((folder / "sprite.png").read_bytes())
    assert sprite.shape == (8 * 8, 8 * 8, 1)  # 50 images in an 8x8 grid of 8x8 tiles
