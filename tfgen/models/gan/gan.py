"""The adversarial trainer behind every GAN: the game of Goodfellow et al. 2014 run by `fit`."""

import keras
import numpy as np
import tensorflow as tf

from tfgen.config import AdversarialGame, constructor_options
from tfgen.losses import ADVERSARIAL_LOSSES, gradient_penalty, r1_penalty
from tfgen.models.base import (
    DISCRIMINATE,
    LatentImageModelMixin,
    deserialize_submodels,
    in_chunks,
    serialize_options,
    serialize_submodels,
)
from tfgen.models.optimizers import TwoOptimizersMixin, apply_update
from tfgen.ops.adversarial import fgsm
from tfgen.ops.sampling import (
    latents_from_seeds,
    seed_range,
    step_seed,
    training_latents,
)
from tfgen.utils.images import TANH_RANGE, image_grid

SUBMODELS = ("generator", "discriminator")
_AUX_STREAM = 1000  # seed streams of label noise and penalties, apart from the noise streams
EVAL_STEP = -1  # the fixed "step" whose noise validation uses
_HELD_OUT_METRICS = ("d_loss", "g_loss", "d_real_acc", "d_fake_acc")


@keras.saving.register_keras_serializable(package="tfgen")
class GAN(TwoOptimizersMixin, LatentImageModelMixin, keras.Model):
    """A generator G and a discriminator D trained against each other by `fit`.

    Each step follows Goodfellow et al. 2014, Algorithm 1: `d_steps` (k) updates of D on the
    real batch and a batch of G(z), each with fresh z, then one update of G through D, whose
    weights stay locked (only G's gradients are applied). The k updates of D share the step's
    real batch, as in the Keras WGAN-GP example. Noise is stateless, a function of (seed, step),
    so a resumed run draws the same noise as an uninterrupted one.

    Args:
        generator: z (B, latent_dim) -> images (B, H, W, C) in [-1, 1].
        discriminator: images -> one score per image (a logit for the cross-entropy games).
        options: a `tfgen.config.AdversarialGame` (a family's options, e.g. `DCGANOptions`,
            derive from it), a dict of its settings, or None for the defaults; saved with
            the model. Keyword arguments naming its settings override it
            (`GAN(g, d, ema_decay=0.999)`). The settings the trainer reads:
            loss: a game of `tfgen.losses.ADVERSARIAL_LOSSES`: "non_saturating", "minimax",
                "wasserstein", "hinge" or "least_squares".
            d_steps: discriminator updates per generator update (k).
            label_smoothing: one-sided: D's target for real images is 1 - s (Salimans et al.
                2016).
            label_noise: the fraction of D's targets flipped at random each step.
            gradient_penalty: weight of the gradient penalty on real/fake interpolates
                (Gulrajani et al. 2017; 10 for WGAN-GP); `one_sided_penalty` penalises only
                norms above 1.
            r1_gamma: gamma of the R1 penalty on real images (Mescheder et al. 2018).
            d_adversarial_eps: > 0 trains D on FGSM-perturbed inputs (Goodfellow et al.
                2015): real images moved by eps (in the model's pixel range) in the direction
                that lowers D's score, generated ones in the direction that raises it, i.e.
                that raise D's loss under any of the games; a robustness regulariser for D.
            ema_decay: > 0 keeps an exponential moving average of G's weights (Karras et al.
                2018; Yazici et al. 2019); sampling and export then use the averaged generator.
            truncation_method: "scale" or "resample", used by `sample` and the exported
                signature.
            seed: seeds the training noise.

    Raises:
        InputError: a setting its rule refuses (see `tfgen.config.AdversarialGame`).
    """

    # Graph mode runs a transposed convolution with TensorFlow's Conv2DBackpropInput kernel,
    # XLA as a plain (dilated) convolution, about twice as fast on CPU (the first one of a 28x28
    # DCGAN, 256 rows: 361 vs 824 ms): DCGAN generators (dcgan, cgan, wgan_gp) sampled 1.2-2.7x
    # faster on 2 CPU cores over three runs, an MLP's (gan) 1.0-1.1x
    # (`benchmarks/eval_cost.py --families`).
    xla_sampling = True

    pixel_range = TANH_RANGE
    preview_tag = "samples"  # TensorBoard image tag

    options_class = AdversarialGame  # what the trainer reads; validated once, there

    def __init__(self, generator, discriminator, options=None, **kwargs):
        options, kwargs = constructor_options(self.options_class, options, kwargs)
        super().__init__(**kwargs)
        self.options = options
        self.generator = generator
        self.discriminator = discriminator
        self.latent_dim = int(generator.inputs[0].shape[-1])
        self.image_shape = tuple(int(d) for d in generator.output_shape[1:])
        self.adversarial_loss = options.loss
        self.d_steps = options.d_steps
        self.label_smoothing = options.label_smoothing
        self.label_noise = options.label_noise
        self.gradient_penalty = options.gradient_penalty
        self.one_sided_penalty = options.one_sided_penalty
        self.r1_gamma = options.r1_gamma
        self.d_adversarial_eps = options.d_adversarial_eps
        self.ema_decay = options.ema_decay
        self.truncation_method = options.truncation_method
        self.seed = options.seed
        self.ema_generator = _averaged_copy(generator) if self.ema_decay else None
        self.trackers = {
            name: keras.metrics.Mean(name=name)
            for name in (
                "d_loss",
                "g_loss",
                "d_real_acc",
                "d_fake_acc",
                "d_grad_norm",
                "g_grad_norm",
            )
        }
        if self.gradient_penalty or self.r1_gamma:
            self.trackers["d_penalty"] = keras.metrics.Mean(name="d_penalty")
        self.built = True  # the sub-models are built functional models

    @property
    def capabilities(self):
        return super().capabilities | {DISCRIMINATE}

    @property
    def game(self):
        return ADVERSARIAL_LOSSES[self.adversarial_loss]

    @property
    def metrics(self):
        return list(self.trackers.values())

    def call(self, z, training=False):
        return self.generator(z, training=training)

    @property
    def generator_side_variables(self):
        return self.generator.trainable_variables

    # ---- the training step -------------------------------------------------------------------

    def train_step(self, data):
        real, labels = self.unpack(data)
        step = self.g_optimizer.iterations
        for k in range(self.d_steps):
            self.discriminator_step(real, labels, step, k)
        z = training_latents(tf.shape(real)[0], self.latent_dim, self.seed, step, self.d_steps)
        self.generator_step(z, labels)
        if self.ema_generator is not None:
            self._update_ema()
        return {m.name: m.result() for m in self.metrics}

    def test_step(self, data):
        """Both losses and D's accuracy on held-out real images against G(z), z fixed, with
        no update and no penalty: D's real accuracy far above its training value means D is
        memorising the training images."""
        real, labels = self.unpack(data)
        z = training_latents(tf.shape(real)[0], self.latent_dim, self.seed, EVAL_STEP, 0)
        fake = tf.cast(self.generate_batch(z, labels), real.dtype)
        real_out = self.discriminate(real, labels)
        fake_out = self.discriminate(fake, labels)
        self._track_discriminator(self.game.discriminator(real_out, fake_out), real_out, fake_out)
        self.trackers["g_loss"].update_state(self.game.generator(fake_out))
        return {name: self.trackers[name].result() for name in _HELD_OUT_METRICS}

    def discriminator_step(self, real, labels, step, k):
        """One update of D on the real batch and G(z), z drawn from stream k of this step."""
        batch = tf.shape(real)[0]
        z = training_latents(batch, self.latent_dim, self.seed, step, stream=k)
        aux_seed = step_seed(self.seed, step, _AUX_STREAM + k)
        fake = tf.cast(self.generate_batch(z, labels, training=True), real.dtype)
        if self.d_adversarial_eps:
            real, fake = self._adversarial_inputs(real, fake, labels)
        with tf.GradientTape() as tape:
            real_out = self.discriminate(real, labels, training=True)
            fake_out = self.discriminate(fake, labels, training=True)
            per_example = self._discriminator_loss(real_out, fake_out, aux_seed)
            penalty = self._penalty(real, fake, labels, aux_seed)
            loss = tf.nn.compute_average_loss(per_example + penalty)
        variables = self.discriminator.trainable_variables
        gradient_norm = apply_update(self.d_optimizer, tape, loss, variables)
        self._track_discriminator(per_example, real_out, fake_out)
        self.trackers["d_grad_norm"].update_state(gradient_norm)
        if "d_penalty" in self.trackers:
            self.trackers["d_penalty"].update_state(penalty)

    def generator_step(self, z, labels):
        """One update of G through D; D's weights are not updated (locked)."""
        with tf.GradientTape() as tape:
            fake_out = self.discriminate(
                self.generate_batch(z, labels, training=True), labels, training=True
            )
            per_example = self.game.generator(fake_out)
            loss = tf.nn.compute_average_loss(per_example)
        variables = self.generator.trainable_variables
        gradient_norm = apply_update(self.g_optimizer, tape, loss, variables)
        self.trackers["g_loss"].update_state(per_example)
        self.trackers["g_grad_norm"].update_state(gradient_norm)

    def _discriminator_loss(self, real_out, fake_out, seed):
        if not self.game.cross_entropy:
            return self.game.discriminator(real_out, fake_out)
        batch = tf.shape(real_out)[0]
        real_target = tf.fill([batch], 1.0 - self.label_smoothing)
        fake_target = tf.zeros([batch])
        if self.label_noise:
            flip = tf.random.stateless_uniform([2, batch], seed) < self.label_noise
            real_target = tf.where(flip[0], 0.0, real_target)
            fake_target = tf.where(flip[1], 1.0, fake_target)
        return self.game.discriminator(real_out, fake_out, real_target, fake_target)

    def _adversarial_inputs(self, real, fake, labels):
        """FGSM versions of the batches that raise D's loss (see d_adversarial_eps)."""

        def score(images):
            return tf.reshape(tf.cast(self.discriminate(images, labels), tf.float32), [-1])

        eps = self.d_adversarial_eps
        real = fgsm(lambda x: -score(x), real, eps, self.pixel_range)
        return tf.stop_gradient(real), tf.stop_gradient(fgsm(score, fake, eps, self.pixel_range))

    def _penalty(self, real, fake, labels, seed):
        """The gradient and R1 penalties per example, in float32 (zeros when both are off)."""
        penalty = tf.zeros([tf.shape(real)[0]])

        def critic(images):
            return self.discriminate(images, labels, training=True)

        if self.gradient_penalty:
            penalty += self.gradient_penalty * gradient_penalty(
                critic, real, fake, seed, self.one_sided_penalty
            )
        if self.r1_gamma:
            penalty += 0.5 * self.r1_gamma * r1_penalty(critic, real)
        return penalty

    def _track_discriminator(self, per_example, real_out, fake_out):
        real_out = tf.reshape(tf.cast(real_out, tf.float32), [-1])
        fake_out = tf.reshape(tf.cast(fake_out, tf.float32), [-1])
        decision = self.game.decision
        if decision is None:  # an uncalibrated critic: split halfway between the two means
            decision = 0.5 * (tf.reduce_mean(real_out) + tf.reduce_mean(fake_out))
        self.trackers["d_loss"].update_state(per_example)
        self.trackers["d_real_acc"].update_state(tf.cast(real_out > decision, tf.float32))
        self.trackers["d_fake_acc"].update_state(tf.cast(fake_out < decision, tf.float32))

    def _update_ema(self):
        """ema <- d * ema + (1 - d) * w, with d warmed up as in tf.train.ExponentialMovingAverage
        (num_updates) so early averages are not dominated by the random initialisation."""
        if tf.distribute.has_strategy() and not tf.distribute.in_cross_replica_context():
            # mirrored copies may only be assigned all at once, from the cross-replica context;
            # every replica holds the same weights after the all-reduced update
            tf.distribute.get_replica_context().merge_call(lambda _: self._assign_ema())
        else:
            self._assign_ema()

    def _assign_ema(self):
        step = tf.cast(self.g_optimizer.iterations, tf.float32)
        decay = tf.minimum(self.ema_decay, (1.0 + step) / (10.0 + step))
        # the copy is frozen, so pair weights by position and ask the live generator
        for average, weight in zip(self.ema_generator.weights, self.generator.weights):
            if weight.trainable:
                average.assign(decay * average + (1.0 - decay) * weight)
            else:
                average.assign(weight)  # batch-norm statistics follow the live generator

    # ---- hooks for conditional models --------------------------------------------------------

    def unpack(self, data):
        """(images, labels or None) of a batch; labels are not needed here."""
        return keras.utils.unpack_x_y_sample_weight(data)[0], None

    def generate_batch(self, z, labels, training=False):
        return self.generator(z, training=training)

    def discriminate(self, images, labels=None, training=False):
        return self.discriminator(images, training=training)

    # ---- inference -----------------------------------------------------------------------------

    @property
    def sampling_generator(self):
        """The generator `sample`, `generate` and export use: the averaged one under EMA."""
        return self.ema_generator if self.ema_generator is not None else self.generator

    def latent_networks(self):
        """What `images_from_latents` reads (and export carries): not the discriminator."""
        return [self.sampling_generator]

    def images_from_latents(self, z):
        """G(z) mapped from [-1, 1] to [0, 1], inference mode."""
        return (self.sampling_generator(z, training=False) + 1.0) / 2.0

    def preview_images(self, batch=None, n=64):
        """A grid of the fixed-seed samples (seeds 0..n-1) shown in TensorBoard each epoch."""
        z = latents_from_seeds(seed_range(0, n), tf.ones([n]), self.latent_dim)
        return image_grid(self.images_from_latents(z).numpy(), columns=8)

    def discriminator_scores(self, images):
        """D's output for images in [0, 1] (NumPy), one per image."""
        images = np.asarray(images, np.float32) * 2.0 - 1.0  # D reads [-1, 1]
        return in_chunks(self.discriminate, images).reshape(-1).astype(np.float64)

    # ---- saving ---------------------------------------------------------------------------------

    def get_config(self):
        return {
            **super().get_config(),
            **serialize_submodels(self, SUBMODELS),
            **serialize_options(self.options),
        }

    @classmethod
    def from_config(cls, config):
        return cls(**deserialize_submodels(config, SUBMODELS))


def _averaged_copy(generator):
    """A frozen copy of `generator` with the same weights, for the moving average."""
    copy = keras.models.clone_model(generator)
    copy.set_weights(generator.get_weights())
    copy.trainable = False
    copy.name = "ema_generator"
    return copy
