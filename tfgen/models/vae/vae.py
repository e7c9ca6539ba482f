"""The variational autoencoder (Kingma and Welling 2014), beta-weighted KL (Higgins et al. 2017)."""

import keras
import numpy as np
import tensorflow as tf

from tfgen.config import VAEOptions, VariationalOptions, build_options, constructor_options
from tfgen.losses import bernoulli_nll, gaussian_kl, gaussian_nll
from tfgen.models.base import (
    AutoencoderMixin,
    LatentImageModelMixin,
    deserialize_submodels,
    in_chunks,
    serialize_options,
    serialize_submodels,
)
from tfgen.models.optimizers import adam, apply_update
from tfgen.networks.decoder import build_decoder
from tfgen.networks.encoder import build_encoder
from tfgen.ops.sampling import step_seed
from tfgen.utils.images import UNIT_RANGE

LIKELIHOODS = ("bernoulli", "gaussian")
SUBMODELS = ("encoder", "decoder")
EVAL_STEP = -1  # the fixed "step" whose noise validation and evaluation use


@keras.saving.register_keras_serializable(package="tfgen")
class VAE(AutoencoderMixin, LatentImageModelMixin, keras.Model):
    """Encoder q(z|x), reparameterised sample z = mean + sigma * eps, decoder p(x|z).

    loss = reconstruction NLL + beta_t * KL(q(z|x) || N(0, I)), per image in nats, averaged over
    the batch; with beta = 1 it is the negative ELBO. Tracked: `loss`, `reconstruction_loss`,
    `kl_loss`, `kl_weight` (beta_t).

    Args:
        encoder: images -> {"z_mean", "z_log_var"}.
        decoder: z -> pixel logits.
        options: a `tfgen.config.VariationalOptions` (the `vae` family's options derive from
            it), a dict of its settings, or None for defaults; keyword arguments naming its
            settings override it. Read here:
            beta: weight of the KL term (1 is the ELBO; > 1 a beta-VAE).
            kl_warmup_steps: ramp the KL weight linearly from 0 to `beta` over this many
                steps (Bowman et al. 2016; Sonderby et al. 2016), so the decoder learns to
                use z before the KL term can switch it off; 0 disables the ramp.
            likelihood: "bernoulli" (binary cross-entropy) or "gaussian" (squared error with
                a fixed `decoder_std`, including the normalising constant).
            binarize: model binary data: each training step sees a fresh Bernoulli draw of
                the grey levels (dynamic binarisation); validation and evaluation use one
                fixed draw.
            seed: seeds the noise (a function of seed and step).

    Example:
        vae = build_vae((28, 28, 1), latent_dim=2)
        vae.fit(load_dataset("../shared/data/mnist", pixel_range=(0, 1)), epochs=5)
    """

    # Sampled in graph mode: its decoder (transposed 3x3 convolutions) ran at 0.4-0.7x the
    # graph-mode rate XLA-compiled on 2 CPU cores (`benchmarks/eval_cost.py --families`).
    xla_sampling = False

    pixel_range = UNIT_RANGE
    loss_settings = ("likelihood", "beta")  # named when compile(loss=...) is refused
    preview_tag = "reconstructions"  # TensorBoard image tag
    code_head = "z_mean"

    options_class = VariationalOptions  # what the model reads; validated once, there

    def __init__(self, encoder, decoder, options=None, **kwargs):
        options, kwargs = constructor_options(self.options_class, options, kwargs)
        super().__init__(**kwargs)
        self.options = options
        self.encoder = encoder
        self.decoder = decoder
        self.latent_dim = int(decoder.input_shape[-1])
        self.image_shape = tuple(int(d) for d in decoder.output_shape[1:])
        self.beta = options.beta
        self.kl_warmup_steps = options.kl_warmup_steps
        self.likelihood = options.likelihood
        self.decoder_std = options.decoder_std
        self.binarize = options.binarize
        self.seed = options.seed
        self.loss_tracker = keras.metrics.Mean(name="loss")
        self.reconstruction_tracker = keras.metrics.Mean(name="reconstruction_loss")
        self.kl_tracker = keras.metrics.Mean(name="kl_loss")
        self.kl_weight_tracker = keras.metrics.Mean(name="kl_weight")
        self.built = True

    @property
    def metrics(self):
        return [
            self.loss_tracker,
            self.reconstruction_tracker,
            self.kl_tracker,
            self.kl_weight_tracker,
        ]

    def train_step(self, data):
        step = self.optimizer.iterations
        images = self.model_inputs(keras.utils.unpack_x_y_sample_weight(data)[0], step)
        weight = self.kl_weight(step)
        with tf.GradientTape() as tape:
            reconstruction, kl = self.loss_terms(images, step_seed(self.seed, step, 0), True)
            per_example = reconstruction + weight * kl
            loss = tf.nn.compute_average_loss(per_example)
        variables = self.trainable_variables
        apply_update(self.optimizer, tape, loss, variables)
        return self._track(per_example, reconstruction, kl, weight)

    def test_step(self, data):
        images = self.model_inputs(keras.utils.unpack_x_y_sample_weight(data)[0], EVAL_STEP)
        weight = self.kl_weight(self.optimizer.iterations)
        reconstruction, kl = self.loss_terms(images, step_seed(self.seed, EVAL_STEP, 0))
        return self._track(reconstruction + weight * kl, reconstruction, kl, weight)

    def kl_weight(self, step):
        """beta_t: beta, or beta * min(1, (step + 1) / kl_warmup_steps) during warm-up."""
        if not self.kl_warmup_steps:
            return tf.constant(self.beta, tf.float32)
        ramp = tf.cast(step + 1, tf.float32) / float(self.kl_warmup_steps)
        return self.beta * tf.minimum(1.0, ramp)

    def model_inputs(self, images, step):
        """The data the likelihood is defined on: a Bernoulli draw of grey levels when the model
        is binary (fresh each step; fixed for EVAL_STEP), the images themselves otherwise."""
        if not self.binarize:
            return images
        uniform = tf.random.stateless_uniform(tf.shape(images), step_seed(self.seed, step, 1))
        return tf.cast(uniform < images, images.dtype)

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

    def _track(self, per_example, reconstruction, kl, weight):
        self.loss_tracker.update_state(per_example)
        self.reconstruction_tracker.update_state(reconstruction)
        self.kl_tracker.update_state(kl)
        self.kl_weight_tracker.update_state(weight)
        return {m.name: m.result() for m in self.metrics}

    def encode(self, images):
        """(z_mean, z_log_var) as NumPy arrays for images in [0, 1]."""
        z_mean = in_chunks(lambda x: self.encoder(x, training=False)["z_mean"], images)
        z_log_var = in_chunks(lambda x: self.encoder(x, training=False)["z_log_var"], images)
        return z_mean, z_log_var

    def evaluation_inputs(self, images):
        """The fixed binarisation (or the images) that evaluation scores, as NumPy."""
        return in_chunks(lambda x: self.model_inputs(x, EVAL_STEP), np.asarray(images))

    def get_config(self):
        return {
            **super().get_config(),
            **serialize_submodels(self, SUBMODELS),
            **serialize_options(self.options),
        }

    @classmethod
    def from_config(cls, config):
        return cls(**deserialize_submodels(config, SUBMODELS))


def build_vae(image_shape, options=None, **settings):
    """A compiled VAE sized for `image_shape` (H, W, C) from a `tfgen.config.VAEOptions`
    (None: defaults) with `settings` on top; Adam(1e-3)."""
    o = build_options(VAEOptions, options, settings)
    vae = VAE(
        build_encoder(image_shape, o.latent_dim, o.architecture, o.widths, o.hidden),
        build_decoder(image_shape, o.latent_dim, o.architecture, o.widths, o.hidden),
        o,
    )
    vae.compile(optimizer=adam(o.learning_rate))
    vae.optimizer.build(vae.trainable_variables)
    return vae
