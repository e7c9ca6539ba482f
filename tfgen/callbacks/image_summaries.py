"""TensorBoard images each epoch: fixed-seed samples (GANs) or reconstructions (autoencoders)."""

import keras
import numpy as np
import tensorflow as tf

from tfgen.utils.images import auto_upscale


class ImageSummaries(keras.callbacks.Callback):
    """Writes `model.preview_images(batch)` into `log_dir` at the end of each epoch.

    `log_dir` is a TensorBoard run folder that `keras.callbacks.TensorBoard` also writes
    (`logs/train` or `logs/validation`), so the images sit in the same run as the scalars of
    that split; each writer keeps its own event file there. The step is the epoch number,
    matching Keras' `epoch_*` scalars.

    Args:
        log_dir: the run folder, e.g. `<logs>/train`.
        batch: a fixed batch of real images in the model's pixel range, for models that
            show reconstructions; GANs ignore it.
    """

    def __init__(self, log_dir, batch=None, tag=None):
        super().__init__()
        self.log_dir = str(log_dir)
        self.batch = batch
        self.tag = tag
        self._writer = None

    def on_train_begin(self, logs=None):
        self._writer = tf.summary.create_file_writer(self.log_dir)

    def on_epoch_end(self, epoch, logs=None):
        grid = self.model.preview_images(self.batch)
        scale = auto_upscale(grid)
        grid = np.repeat(np.repeat(grid, scale, axis=0), scale, axis=1)
        tag = self.tag or getattr(self.model, "preview_tag", "samples")
        with self._writer.as_default(step=epoch):
            tf.summary.image(tag, grid[np.newaxis], max_outputs=1)
        self._writer.flush()

    def on_train_end(self, logs=None):
        if self._writer is not None:
            self._writer.close()
