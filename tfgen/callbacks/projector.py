"""The latent codes of a fixed batch for TensorBoard's embedding projector."""

import math
from pathlib import Path

import keras
import numpy as np
import tensorflow as tf
from tensorboard.plugins import projector

from tfgen.utils.images import image_grid, to_uint8
from tfgen.utils.io import write_bytes_atomic

TENSOR_NAME = "embedding/.ATTRIBUTES/VARIABLE_VALUE"  # the variable's key in the checkpoint


class LatentProjector(keras.callbacks.Callback):
    """At each epoch end, stores `model.encode_latent(images)` where the projector finds it.

    `log_dir` is a TensorBoard run folder (`logs/validation`, or `logs/train` without a
    validation split). TensorBoard's projector reads `projector_config.pbtxt` and the latest
    checkpoint from each run's folder (not from the logdir's subfolders that hold no events),
    so all of it goes into `log_dir`, beside the run's event files: the checkpoint of the
    codes (`embedding-<epoch>`), `metadata.tsv` (the labels), `sprite.png` (the images) and
    the config tying them together. The PROJECTOR tab then shows the run from
    `tensorboard --logdir <logs>` or from any folder above it; every path is relative, so
    the logs can be moved.
    """

    def __init__(self, log_dir, images, labels=None):
        super().__init__()
        self.folder = Path(log_dir)
        self.images = np.asarray(images, np.float32)
        self.labels = None if labels is None else np.asarray(labels)
        self._manager = None

    def on_train_begin(self, logs=None):
        self.folder.mkdir(parents=True, exist_ok=True)
        self._embedding = tf.Variable(tf.zeros([len(self.images), self.model.latent_dim]))
        checkpoint = tf.train.Checkpoint(embedding=self._embedding)
        self._manager = tf.train.CheckpointManager(
            checkpoint, str(self.folder), max_to_keep=1, checkpoint_name="embedding"
        )
        self._write_config()

    def on_epoch_end(self, epoch, logs=None):
        self._embedding.assign(self.model.encode_latent(self.images))
        self._manager.save(checkpoint_number=epoch)

    def _write_config(self):
        config = projector.ProjectorConfig()
        embedding = config.embeddings.add()
        embedding.tensor_name = TENSOR_NAME
        if self.labels is not None:
            write_bytes_atomic(
                self.folder / "metadata.tsv", "".join(f"{int(y)}\n" for y in self.labels).encode()
            )
            embedding.metadata_path = "metadata.tsv"
        side = math.ceil(math.sqrt(len(self.images)))  # the projector reads a square grid
        cells = np.zeros((side * side, *self.images.shape[1:]), np.float32)
        cells[: len(self.images)] = self.images
        sprite = image_grid(cells, columns=side, padding=0, pad_value=0.0)
        write_bytes_atomic(self.folder / "sprite.png", tf.io.encode_png(to_uint8(sprite)).numpy())
        embedding.sprite.image_path = "sprite.png"
        height, width = self.images.shape[1:3]
        embedding.sprite.single_image_dim.extend([width, height])
        projector.visualize_embeddings(str(self.folder), config)
