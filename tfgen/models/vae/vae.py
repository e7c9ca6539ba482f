"""The variational autoencoder (Kingma and Welling 2014), beta-weighted KL (Higgins et al. 2017)."""

import keras
import numpy as np
import tensorflow as tf

from tfgen.data.pipeline import UNIT_RANGE
from tfgen.errors import InputError
from tfgen.images import image_grid
from tfgen.losses import bernoulli_nll, gaussian_kl, gaussian_nll
from tfgen.models.base import LatentImageModelMixin, deserialize_submodels, serialize_submodels
from tfgen.models.optimizers import adam
from tfgen.models.vae.decoder import build_decoder
from tfgen.models.vae.encoder import build_encoder
from tfgen.sampling import step_seed

LIKELIHOODS = ("bernoulli", "gaussian")
SUBMODELS = ("encoder", "decoder")


@keras.saving.register_keras_serializable(package="tfgen")
class VAE(LatentImageModelMixin, keras.Model):
    """Encoder q(z|x), reparameterised sample z = mean + sigma * eps, decoder p(x|z).

    loss = reconstruction NLL + beta * KL(q(z|x) || N(0, I)), per image in nats, averaged over
    the batch. Tracked: `loss`, `reconstruction_loss`, `kl_loss`.

    Args:
        encoder: images -> {"z_mean", "z_log_var"}.
        decoder: z -> pixel logits.
        beta: weight of the KL term (1 is the ELBO; > 1 a beta-VAE).
        likelihood: "bernoulli" (binary cross-entropy) or "gaussian" (squared error with a fixed
            `decoder_std`, including the normalising constant).
        seed: seeds the reparameterisation noise (a function of seed and step).

    Example:
        vae = build_vae((28, 28, 1))
        vae.fit(load_dataset("../shared/data/mnist", pixel_range=(0, 1)), epochs=5)
    """

    pixel_range = UNIT_RANGE
    preview_tag = "reconstructions"  # TensorBoard image tag

    def __init__(
        self, encoder, decoder, beta=1.0, likelihood="bernoulli", decoder_std=0.1, seed=0, **kwargs
    ):
        super().__init__(**kwargs)
        if likelihood not in LIKELIHOODS:
            raise InputError(f"likelihood must be one of {LIKELIHOODS}. Received: {likelihood!r}")
        if not beta >= 0:
            raise InputError(f"beta must be >= 0. Received: beta={beta!r}")
        if not decoder_std > 0:
            raise InputError(f"decoder_std must be > 0. Received: decoder_std={decoder_std!r}")
        self.encoder = encoder
        self.decoder = decoder
        self.latent_dim = int(decoder.input_shape[-1])
        self.image_shape = tuple(int(d) for d in decoder.output_shape[1:])
        self.beta = float(beta)
        self.likelihood = likelihood
        self.decoder_std = float(decoder_std)
        self.seed = int(seed)
        self.loss_tracker = keras.metrics.Mean(name="loss")
        self.reconstruction_tracker = keras.metrics.Mean(name="reconstruction_loss")
        self.kl_tracker = keras.metrics.Mean(name="kl_loss")
        self.built = True

    @property
    def metrics(self):
        return [self.loss_tracker, self.reconstruction_tracker, self.kl_tracker]

    def call(self, images, training=False):
        """Reconstructions in [0, 1] from the posterior means (deterministic)."""
        z_mean = self.encoder(images, training=training)["z_mean"]
        return self.images_from_latents(z_mean, training=training)

    def train_step(self, data):
        images = data[0] if isinstance(data, tuple) else data
        seed = step_seed(self.seed, self.optimizer.iterations, stream=0)
        with tf.GradientTape() as tape:
            reconstruction, kl = self.loss_terms(images, seed, training=True)
            per_example = reconstruction + self.beta * kl
            loss = tf.nn.compute_average_loss(per_example)
        variables = self.trainable_variables
        self.optimizer.apply_gradients(zip(tape.gradient(loss, variables), variables))
        return self._track(per_example, reconstruction, kl)

    def test_step(self, data):
        images = data[0] if isinstance(data, tuple) else data
        seed = step_seed(self.seed, -1, stream=0)  # fixed noise: comparable across epochs
        reconstruction, kl = self.loss_terms(images, seed, training=False)
        return self._track(reconstruction + self.beta * kl, reconstruction, kl)

    def loss_terms(self, images, seed, training=False):
        """(reconstruction NLL, KL), each (B,), for one reparameterised z per image."""
        posterior = self.encoder(images, training=training)
        z_mean, z_log_var = posterior["z_mean"], posterior["z_log_var"]
        eps = tf.random.stateless_normal(tf.shape(z_mean), seed=seed)
        z = z_mean + tf.exp(0.5 * z_log_var) * eps
        logits = self.decoder(z, training=training)
        return self.reconstruction_nll(images, logits), gaussian_kl(z_mean, z_log_var)

    def reconstruction_nll(self, images, logits):
        """-log p(x | z) per image, in nats."""
        if self.likelihood == "bernoulli":
            return bernoulli_nll(images, logits)
        return gaussian_nll(images, tf.sigmoid(logits), self.decoder_std)

    def _track(self, per_example, reconstruction, kl):
        self.loss_tracker.update_state(per_example)
        self.reconstruction_tracker.update_state(reconstruction)
        self.kl_tracker.update_state(kl)
        return {m.name: m.result() for m in self.metrics}

    def images_from_latents(self, z, training=False):
        """Decoder means sigmoid(logits), in [0, 1]."""
        return tf.sigmoid(self.decoder(z, training=training))

    def encode(self, images):
        """(z_mean, z_log_var) as NumPy arrays for images in [0, 1]."""
        posterior = self.encoder(tf.constant(images, tf.float32), training=False)
        return posterior["z_mean"].numpy(), posterior["z_log_var"].numpy()

    def reconstruct(self, images):
        """Reconstructions in [0, 1] (NumPy) from the posterior means."""
        return self(tf.constant(images, tf.float32), training=False).numpy()

    def preview_images(self, batch, n=32):
        """Originals and reconstructions in alternating rows of 8 (for TensorBoard)."""
        originals = np.asarray(batch[:n], np.float32)
        reconstructions = self.reconstruct(originals)
        rows = []
        for i in range(0, len(originals), 8):
            rows += [originals[i : i + 8], reconstructions[i : i + 8]]
        return image_grid(np.concatenate(rows), columns=min(8, len(originals)))

    def get_config(self):
        return {
            **super().get_config(),
            **serialize_submodels(self, SUBMODELS),
            "beta": self.beta,
            "likelihood": self.likelihood,
            "decoder_std": self.decoder_std,
            "seed": self.seed,
        }

    @classmethod
    def from_config(cls, config):
        return cls(**deserialize_submodels(config, SUBMODELS))


def build_vae(
    image_shape,
    *,
    latent_dim=16,
    architecture="conv",
    widths=None,
    hidden=256,
    likelihood="bernoulli",
    decoder_std=0.1,
    beta=1.0,
    learning_rate=1e-3,
    seed=0,
):
    """A compiled VAE sized for `image_shape` (H, W, C); Adam(1e-3)."""
    vae = VAE(
        build_encoder(image_shape, latent_dim, architecture, widths, hidden),
        build_decoder(image_shape, latent_dim, architecture, widths, hidden),
        beta=beta,
        likelihood=likelihood,
        decoder_std=decoder_std,
        seed=seed,
    )
    vae.compile(optimizer=adam(learning_rate))
    vae.optimizer.build(vae.trainable_variables)
    return vae
