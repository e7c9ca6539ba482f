"""The class-conditional GAN (Mirza and Osindero 2014): both networks see the label."""

import keras
import numpy as np
import tensorflow as tf

from tfgen.config import CGANOptions, build_options
from tfgen.errors import InputError
from tfgen.models.base import CONDITIONAL, in_chunks, latent_spec, seed_specs
from tfgen.models.gan.gan import GAN
from tfgen.models.gan.options import compiled_adversarial
from tfgen.networks.dcgan_discriminator import build_discriminator
from tfgen.networks.dcgan_generator import build_generator
from tfgen.ops.sampling import latents_from_seeds, seed_range
from tfgen.ops.serving import Endpoint, checked_labels, checked_latents, checked_seeds
from tfgen.utils.images import image_grid


@keras.saving.register_keras_serializable(package="tfgen")
class ConditionalGAN(GAN):
    """A GAN whose generator takes [z, label] and whose discriminator takes [images, label].

    Training needs labelled data; the generated batch of each step carries the real batch's
    labels, so D judges each image against its class. Samples can be requested per class.

    Args:
        num_classes: number of labels (0 .. num_classes - 1).
        **kwargs: as `GAN`.
    """

    def __init__(self, generator, discriminator, num_classes, options=None, **kwargs):
        super().__init__(generator, discriminator, options, **kwargs)
        if not isinstance(num_classes, int) or num_classes < 2:
            raise InputError(f"num_classes must be an integer >= 2. Received: {num_classes!r}")
        self.num_classes = num_classes

    def unpack(self, data):
        images, labels, _ = keras.utils.unpack_x_y_sample_weight(data)
        if labels is None:
            raise InputError(
                "a conditional GAN trains on labelled data: batches of "
                "(images, labels); this data has no labels."
            )
        return images, tf.cast(labels, tf.int32)

    def generate_batch(self, z, labels, training=False):
        return self.generator([z, labels], training=training)

    def discriminate(self, images, labels=None, training=False):
        return self.discriminator([images, labels], training=training)

    def images_from_latents(self, z, labels):
        return (self.sampling_generator([z, tf.cast(labels, tf.int32)], training=False) + 1.0) / 2.0

    def labels_for(self, n, labels=None):
        """Per-image labels: cycling 0, 1, ..., K-1 for None, one class for an int, or as given."""
        if labels is None:
            labels = np.arange(n) % self.num_classes
        labels = np.broadcast_to(np.asarray(labels, np.int32), (n,))
        if labels.min() < 0 or labels.max() >= self.num_classes:
            raise InputError(
                f"labels must be in [0, {self.num_classes}). Received: "
                f"{sorted(set(labels.tolist()))}"
            )
        return labels

    def condition_specs(self):
        """One class label per image."""
        return [_label_spec()]

    def generate(self, z, labels=None):
        """Images in [0, 1] for latent vectors z and labels (see `labels_for`)."""
        z = np.asarray(z, np.float32)
        return self._compiled_generate(z, self.labels_for(len(z), labels))

    def sample(self, n, seed=0, truncation=1.0, method=None, labels=None):
        """`n` images for seeds seed..seed+n-1 and `labels` (cycling through the classes)."""
        self._seed_rows(n, seed, truncation)  # checks n (and psi) before labels_for reads n
        return self._compiled_sample(n, seed, truncation, method, self.labels_for(n, labels))

    def sample_per_class(self, per_class, seed=0, truncation=1.0, method=None):
        """(num_classes * per_class) images: row k is class k, the same seeds in every row."""
        z = np.tile(self.sample_latents(per_class, seed, truncation, method), (self.num_classes, 1))
        return self.generate(z, np.repeat(np.arange(self.num_classes), per_class))

    def preview_images(self, batch=None, n=8):
        """One row per class (up to 10) of the fixed seeds 0..n-1."""
        classes = min(self.num_classes, 10)
        z = latents_from_seeds(seed_range(0, n), tf.ones([n]), self.latent_dim).numpy()
        images = self.generate(np.tile(z, (classes, 1)), np.repeat(np.arange(classes), n))
        return image_grid(images, columns=n)

    @property
    def capabilities(self):
        return super().capabilities | {CONDITIONAL}

    def serving_endpoints(self, max_batch):
        """generate(z, label) and sample(seed, truncation, label) -> {"images"}: one label in
        [0, num_classes) per image."""
        latent_dim, num_classes = self.latent_dim, self.num_classes

        def generate(z, label):
            z = checked_latents(z, latent_dim, "generate", max_batch)
            label = checked_labels(label, z, num_classes, "generate")
            return {"images": self.images_from_latents(z, label)}

        def sample(seed, truncation, label):
            seed, truncation = checked_seeds(seed, truncation, "sample", max_batch)
            label = checked_labels(label, seed, num_classes, "sample")
            return {"images": self.images_from_seeds(seed, truncation, label)}

        label = [_label_spec()]
        networks = self.latent_networks()
        return {
            "generate": Endpoint(generate, [latent_spec(latent_dim), *label], ["images"], networks),
            "sample": Endpoint(sample, [*seed_specs(), *label], ["images"], networks),
        }

    def discriminator_scores(self, images, labels=None):
        """D's score per image in [0, 1]; without labels, the best score over all classes (an
        image counts as real if it is a convincing member of some class)."""
        images = np.asarray(images, np.float32) * 2.0 - 1.0
        if labels is not None:
            return self._scores(images, self.labels_for(len(images), labels))
        per_class = [
            self._scores(images, np.full(len(images), k, np.int32)) for k in range(self.num_classes)
        ]
        return np.max(per_class, axis=0)

    def _scores(self, images, labels):
        return in_chunks(self.discriminate, images, labels).reshape(-1).astype(np.float64)

    def get_config(self):
        return {**super().get_config(), "num_classes": self.num_classes}


def _label_spec():
    return tf.TensorSpec([None], tf.int64, name="label")


def build_cgan(image_shape, options=None, *, num_classes, **settings):
    """A compiled conditional DCGAN. G sees z alone and conditional batch norm (de Vries et
    al. 2017) on a shared class embedding in every batch norm (`g_conditioning="cbn"`, the
    default, as in the generators of Miyato and Koyama 2018 and BigGAN; BigGAN also
    concatenates the embedding to z, the first paper does not, nor does tfgen: one path for
    the label is easier to read), or the label's embedding concatenated to z ("concat"). D is
    conditioned by projection (Miyato and Koyama 2018) or by a concatenated label plane
    (`conditioning="concat"`). `attention` adds self-attention (Zhang et al. 2019) to both.
    `options` a `tfgen.config.CGANOptions` (None: defaults), with `settings` applied on top;
    `num_classes` comes from the data."""
    o = build_options(CGANOptions, options, settings)
    return compiled_adversarial(
        ConditionalGAN,
        build_generator(
            image_shape,
            o.latent_dim,
            o.g_widths,
            o.kernel_size,
            num_classes=num_classes,
            attention=o.attention,
            conditioning=o.g_conditioning,
        ),
        build_discriminator(
            image_shape,
            o.d_widths,
            o.kernel_size,
            batchnorm=o.d_batchnorm,
            num_classes=num_classes,
            conditioning=o.conditioning,
            attention=o.attention,
        ),
        o,
        num_classes=num_classes,
    )
