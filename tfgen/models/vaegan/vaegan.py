"""VAE-GAN (Larsen et al. 2016): a VAE whose decoder is also the generator of a GAN.

The encoder and decoder minimise reconstruction + beta x KL + lambda x adversarial (the
source notes' "scaled sum of the typical loss plus an adversarial loss"); the discriminator
learns to tell real images from reconstructions and from decodings of prior samples.
"""

import keras
import tensorflow as tf

from tfgen.config import VAEGANGame, VAEGANOptions, build_options, constructor_options
from tfgen.losses import ADVERSARIAL_LOSSES, bernoulli_nll, gaussian_kl
from tfgen.models.base import (
    DISCRIMINATE,
    AutoencoderMixin,
    LatentImageModelMixin,
    deserialize_submodels,
    in_chunks,
    serialize_options,
    serialize_submodels,
)
from tfgen.models.optimizers import TwoOptimizersMixin, apply_update, two_adams
from tfgen.networks.dcgan_discriminator import build_discriminator
from tfgen.networks.decoder import build_decoder
from tfgen.networks.encoder import build_encoder
from tfgen.ops.sampling import step_seed
from tfgen.utils.images import UNIT_RANGE

SUBMODELS = ("encoder", "decoder", "discriminator")


@keras.saving.register_keras_serializable(package="tfgen")
class VAEGAN(TwoOptimizersMixin, AutoencoderMixin, LatentImageModelMixin, keras.Model):
    """Encoder q(z|x), decoder/generator p(x|z), discriminator D.

    Each step: D is updated on real images against reconstructions and decoded prior samples;
    then the encoder and decoder minimise, per image in nats,
        Bernoulli NLL(x | dec(z)) + beta * KL(q(z|x) || N(0, I)) + adversarial_weight * G loss,
    the G loss averaged over the reconstructions and the prior decodings, through a locked D.
    D sees images in [0, 1]. Tracked: loss, reconstruction_loss, kl_loss, d_loss, g_loss,
    d_real_acc, d_fake_acc.

    Args:
        options: a `tfgen.config.VAEGANGame` (the `vaegan` family's options derive from it),
            a dict of its settings, or None for defaults; keyword arguments naming its
            settings override it. Read here: beta (weight of the KL term),
            adversarial_weight (lambda, weight of the adversarial term), loss (the game of
            `tfgen.losses.ADVERSARIAL_LOSSES`) and seed (seeds the noise).
    """

    # Sampled in graph mode: its decoder (transposed 3x3 convolutions) ran at 0.4-0.7x the
    # graph-mode rate XLA-compiled on 2 CPU cores (`benchmarks/eval_cost.py --families`).
    xla_sampling = False

    pixel_range = UNIT_RANGE
    loss_settings = ("adversarial_weight", "beta", "loss")  # named when compile(loss=) is refused
    preview_tag = "reconstructions"
    code_head = "z_mean"

    options_class = VAEGANGame  # what the model reads; validated once, there

    def __init__(self, encoder, decoder, discriminator, options=None, **kwargs):
        options, kwargs = constructor_options(self.options_class, options, kwargs)
        super().__init__(**kwargs)
        self.options = options
        self.encoder, self.decoder, self.discriminator = encoder, decoder, discriminator
        self.latent_dim = int(decoder.input_shape[-1])
        self.image_shape = tuple(int(d) for d in decoder.output_shape[1:])
        self.beta = options.beta
        self.adversarial_weight = options.adversarial_weight
        self.adversarial_loss = options.loss
        self.seed = options.seed
        self.trackers = {
            name: keras.metrics.Mean(name=name)
            for name in (
                "loss",
                "reconstruction_loss",
                "kl_loss",
                "d_loss",
                "g_loss",
                "d_real_acc",
                "d_fake_acc",
            )
        }
        self.built = True

    @property
    def capabilities(self):
        return super().capabilities | {DISCRIMINATE}

    @property
    def game(self):
        return ADVERSARIAL_LOSSES[self.adversarial_loss]

    @property
    def metrics(self):
        return list(self.trackers.values())

    @property
    def generator_side_variables(self):
        """What `g_optimizer` updates: the encoder and the decoder together."""
        return self.encoder.trainable_variables + self.decoder.trainable_variables

    def train_step(self, data):
        images = keras.utils.unpack_x_y_sample_weight(data)[0]
        step = self.g_optimizer.iterations
        batch = tf.shape(images)[0]
        z_prior = tf.random.stateless_normal(
            tf.stack([batch, self.latent_dim]), step_seed(self.seed, step, 1)
        )
        eps = tf.random.stateless_normal(
            tf.stack([batch, self.latent_dim]), step_seed(self.seed, step, 0)
        )
        self._discriminator_step(images, eps, z_prior)
        self._autoencoder_step(images, eps, z_prior)
        return {m.name: m.result() for m in self.metrics}

    def test_step(self, data):
        """The autoencoder's terms and D's accuracy on held-out images, fixed noise, no update."""
        images = keras.utils.unpack_x_y_sample_weight(data)[0]
        shape = tf.stack([tf.shape(images)[0], self.latent_dim])
        eps = tf.random.stateless_normal(shape, step_seed(self.seed, -1, 0))
        z_prior = tf.random.stateless_normal(shape, step_seed(self.seed, -1, 1))
        posterior, recon_logits, prior_logits = self._decode_both(images, eps, z_prior, False)
        reconstruction = bernoulli_nll(images, recon_logits)
        kl = gaussian_kl(posterior["z_mean"], posterior["z_log_var"])
        real_out = self.discriminator(images)
        recon_out = self.discriminator(tf.sigmoid(recon_logits))
        prior_out = self.discriminator(tf.sigmoid(prior_logits))
        adversarial = 0.5 * (self.game.generator(recon_out) + self.game.generator(prior_out))
        loss = reconstruction + self.beta * kl + self.adversarial_weight * adversarial
        decision = self.game.decision if self.game.decision is not None else 0.0
        fake_out = tf.concat([recon_out, prior_out], 0)
        for name, value in [
            ("loss", loss),
            ("reconstruction_loss", reconstruction),
            ("kl_loss", kl),
            ("g_loss", adversarial),
            ("d_real_acc", tf.cast(real_out > decision, tf.float32)),
            ("d_fake_acc", tf.cast(fake_out < decision, tf.float32)),
        ]:
            self.trackers[name].update_state(value)
        names = ("loss", "reconstruction_loss", "kl_loss", "g_loss", "d_real_acc", "d_fake_acc")
        return {name: self.trackers[name].result() for name in names}

    def _decode_both(self, images, eps, z_prior, training):
        """(posterior, reconstruction logits, prior-sample logits)."""
        posterior = self.encoder(images, training=training)
        z = posterior["z_mean"] + tf.exp(0.5 * posterior["z_log_var"]) * eps
        return (
            posterior,
            self.decoder(z, training=training),
            self.decoder(z_prior, training=training),
        )

    def _discriminator_step(self, images, eps, z_prior):
        _, recon_logits, prior_logits = self._decode_both(images, eps, z_prior, training=True)
        recon, prior = tf.sigmoid(recon_logits), tf.sigmoid(prior_logits)
        with tf.GradientTape() as tape:
            real_out = self.discriminator(images, training=True)
            recon_out = self.discriminator(recon, training=True)
            prior_out = self.discriminator(prior, training=True)
            per_example = 0.5 * (
                self.game.discriminator(real_out, recon_out)
                + self.game.discriminator(real_out, prior_out)
            )
            loss = tf.nn.compute_average_loss(per_example)
        variables = self.discriminator.trainable_variables
        apply_update(self.d_optimizer, tape, loss, variables)
        decision = self.game.decision if self.game.decision is not None else 0.0
        self.trackers["d_loss"].update_state(per_example)
        self.trackers["d_real_acc"].update_state(tf.cast(real_out > decision, tf.float32))
        self.trackers["d_fake_acc"].update_state(
            tf.cast(tf.concat([recon_out, prior_out], 0) < decision, tf.float32)
        )

    def _autoencoder_step(self, images, eps, z_prior):
        with tf.GradientTape() as tape:
            posterior, recon_logits, prior_logits = self._decode_both(images, eps, z_prior, True)
            reconstruction = bernoulli_nll(images, recon_logits)
            kl = gaussian_kl(posterior["z_mean"], posterior["z_log_var"])
            adversarial = 0.5 * (
                self.game.generator(self.discriminator(tf.sigmoid(recon_logits), training=True))
                + self.game.generator(self.discriminator(tf.sigmoid(prior_logits), training=True))
            )
            per_example = reconstruction + self.beta * kl + self.adversarial_weight * adversarial
            loss = tf.nn.compute_average_loss(per_example)
        variables = self.generator_side_variables  # D stays locked
        apply_update(self.g_optimizer, tape, loss, variables)
        for name, value in [
            ("loss", per_example),
            ("reconstruction_loss", reconstruction),
            ("kl_loss", kl),
            ("g_loss", adversarial),
        ]:
            self.trackers[name].update_state(value)

    def discriminator_scores(self, images):
        """D's score per image in [0, 1] (D reads [0, 1] here)."""
        return in_chunks(self.discriminator, images).reshape(-1).astype("float64")

    def get_config(self):
        return {
            **super().get_config(),
            **serialize_submodels(self, SUBMODELS),
            **serialize_options(self.options),
        }

    @classmethod
    def from_config(cls, config):
        return cls(**deserialize_submodels(config, SUBMODELS))


def build_vaegan(image_shape, options=None, **settings):
    """A compiled VAE-GAN from a `tfgen.config.VAEGANOptions` (None: defaults) with
    `settings` on top: convolutional encoder/decoder (as `vae`), DCGAN discriminator."""
    o = build_options(VAEGANOptions, options, settings)
    model = VAEGAN(
        build_encoder(image_shape, o.latent_dim, "conv", o.widths, o.hidden),
        build_decoder(image_shape, o.latent_dim, "conv", o.widths, o.hidden),
        build_discriminator(image_shape, o.d_widths),
        o,
    )
    d_optimizer, g_optimizer = two_adams(o)
    model.compile(d_optimizer=d_optimizer, g_optimizer=g_optimizer)
    return model
