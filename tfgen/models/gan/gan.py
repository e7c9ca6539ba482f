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
from tfgen.ops.augment import augment, policy_names
from tfgen.ops.sampling import (
    latents_from_seeds,
    seed_range,
    step_seed,
    training_latents,
)
from tfgen.utils.images import TANH_RANGE, image_grid

SUBMODELS = ("generator", "discriminator")
_AUX_STREAM = 1000  # seed streams of label noise and penalties, apart from the noise streams
_AUGMENT_STREAM = 2000  # the augmentations' stream, each use of D folded in (`_use`)
_AUGMENTED = ("real", "fake", "r1", "interpolates")  # what each D evaluation augments
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
            augment: DiffAugment policies, e.g. "color,translation,cutout" (Zhao et al.
                2020; see `tfgen.ops.augment`), "" for none. Every image D sees in training
                is augmented, real and generated alike, in D's step, in G's step (G learns
                through the differentiable transforms, so it is not taught to draw augmented
                images) and in the penalties, whose gradients are taken with respect to the
                images before augmentation (as StyleGAN2-ADA computes R1). Evaluation
                (`test_step`), `discriminator_scores` and sampling see plain images.
            augment_p: the probability of each transform per image, fixed (1: DiffAugment).
            ada_target: > 0 turns on adaptive augmentation (ADA, Karras et al. 2020,
                "Training Generative Adversarial Networks with Limited Data"): p starts at 0
                and every `ada_interval` steps moves by sign(r_t - ada_target) x (the real
                images of those steps) / (ada_kimg x 1000), clipped to [0, 1], where r_t is
                the mean of sign(D(augmented real) - the game's decision) over them (the
                paper's overfitting heuristic; its target is 0.6). p is a variable of the
                model, saved with it, so a resumed run continues from it.
            ada_interval: steps between two updates of p (the paper's 4 minibatches).
            ada_kimg: thousands of images it takes p to move by 1. The paper's 500 suits
                its runs of tens of millions of images; tfgen's runs on small sets are
                tens of times shorter (20 epochs of 60,000 images is 1.2M), and at 500 p
                would need 4 such epochs to reach the 0.4-0.5 the paper's small sets end
                at. The default 100 gets there in under an epoch, while one update (4
                steps of batch 64) still moves p by only 0.0026.
            r1_interval: lazy R1 (Karras et al. 2020, "Analyzing and Improving the Image
                Quality of StyleGAN", sec. 4): the R1 penalty only on steps 0, N, 2N, ...,
                weighted by N, the same expected penalty for 1/N of its cost. It is added to
                D's loss of those steps (no separate update, so Adam needs no correction).

    Training logs `augment_p` (the current p) and `d_real_sign` (the epoch's mean of r_t's
    signs) when `augment` is set; `d_real_sign` only for games with a decision threshold.

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
    loss_settings = ("loss",)  # the game; named when compile(loss=...) is refused
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
        self.augment_policy = policy_names(options.augment)
        self.ada_target = options.ada_target
        self.ada_interval = options.ada_interval
        self.ada_kimg = options.ada_kimg
        self.r1_interval = options.r1_interval
        # ADA's p is a variable saved with the model; only ADA has it, so files saved
        # without ADA (or before it existed) hold the same weights and still load
        self.augment_p = _replicated_scalar("augment_p") if self.ada_target else options.augment_p
        if self.ada_target:  # r_t's running sums over the current interval
            self.ada_sign_sum = _replicated_scalar("ada_sign_sum")
            self.ada_count = _replicated_scalar("ada_count")
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
        if self.augment_policy:
            self.trackers["augment_p"] = _Latest(name="augment_p")
            if self.game.decision is not None:
                self.trackers["d_real_sign"] = keras.metrics.Mean(name="d_real_sign")
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
        if self.ada_target:
            self._adapt_augmentation()
        if self.augment_policy:
            self.trackers["augment_p"].update_state(self.augment_p)
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
        if self.d_adversarial_eps:  # perturbed against plain D, then augmented like the rest
            real, fake = self._adversarial_inputs(real, fake, labels)
        with tf.GradientTape() as tape:
            real_out = self._judge(real, labels, step, self._use(k, "real"))
            fake_out = self._judge(fake, labels, step, self._use(k, "fake"))
            per_example = self._discriminator_loss(real_out, fake_out, aux_seed)
            penalty = self._penalty(real, fake, labels, aux_seed, step, k)
            loss = tf.nn.compute_average_loss(per_example + penalty)
        variables = self.discriminator.trainable_variables
        gradient_norm = apply_update(self.d_optimizer, tape, loss, variables)
        self._track_discriminator(per_example, real_out, fake_out)
        self._track_real_sign(real_out)
        self.trackers["d_grad_norm"].update_state(gradient_norm)
        if "d_penalty" in self.trackers:
            self.trackers["d_penalty"].update_state(penalty)

    def generator_step(self, z, labels):
        """One update of G through D (and the augmentation); D's weights are not updated."""
        step = self.g_optimizer.iterations  # this step's, G not updated yet
        with tf.GradientTape() as tape:
            fake = self.generate_batch(z, labels, training=True)
            fake_out = self._judge(fake, labels, step, self._use(self.d_steps, "fake"))
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

    def _penalty(self, real, fake, labels, seed, step, k):
        """The gradient and R1 penalties per example, in float32 (zeros when both are off);
        D sees its inputs augmented, the gradients are taken before the augmentation."""
        penalty = tf.zeros([tf.shape(real)[0]])

        def critic(use):
            return lambda images: self._judge(images, labels, step, self._use(k, use))

        if self.gradient_penalty:
            penalty += self.gradient_penalty * gradient_penalty(
                critic("interpolates"), real, fake, seed, self.one_sided_penalty
            )
        if self.r1_gamma:
            penalty += self._lazy_r1(critic("r1"), real, step)
        return penalty

    def _lazy_r1(self, critic, real, step):
        """0.5 gamma ||grad D(real)||^2 x r1_interval on steps 0, N, 2N, ... (N =
        r1_interval), else 0: the same penalty per step on average, computed 1/N as often.

        Under a tf.distribute strategy it is computed every step and masked (the same loss,
        without the saving): D's batch norm updates mirrored variables, a merge_call that
        TensorFlow refuses inside a tf.cond branch."""
        weight = 0.5 * self.r1_gamma * self.r1_interval
        due = step % self.r1_interval == 0

        def r1():
            return weight * r1_penalty(critic, real)

        if self.r1_interval == 1:
            return r1()
        if tf.distribute.has_strategy():
            return tf.where(due, r1(), 0.0)
        return tf.cond(due, r1, lambda: tf.zeros([tf.shape(real)[0]]))

    # ---- augmentation ----------------------------------------------------------------------

    def _judge(self, images, labels, step, use):
        """D's training-mode output on `images` augmented with the seed of (step, use)."""
        return self.discriminate(self.augmented(images, step, use), labels, training=True)

    def augmented(self, images, step, use):
        """`images` under the model's augmentation policy, or as they are without one."""
        if not self.augment_policy:
            return images
        seed = step_seed(self.seed, step, _AUGMENT_STREAM)
        seed = tf.random.experimental.stateless_fold_in(seed, use)
        return augment(images, self.augment_policy, self.augment_p, seed)

    def _use(self, k, augmented):
        """The seed index of one D evaluation: D step k (G's step: k = d_steps), one input."""
        return k * len(_AUGMENTED) + _AUGMENTED.index(augmented)

    def _track_real_sign(self, real_out):
        """sign(D(real) - decision): its mean is ADA's overfitting heuristic r_t."""
        if "d_real_sign" not in self.trackers:
            return
        signs = tf.sign(tf.reshape(tf.cast(real_out, tf.float32), [-1]) - self.game.decision)
        self.trackers["d_real_sign"].update_state(signs)
        if self.ada_target:
            total, count = _sum_over_replicas(
                [tf.reduce_sum(signs), tf.cast(tf.size(signs), tf.float32)]
            )
            self.ada_sign_sum.assign_add(total)
            self.ada_count.assign_add(count)

    def _adapt_augmentation(self):
        """ADA's update, every ada_interval steps: p <- clip(p + sign(r_t - target) x
        images / (ada_kimg x 1000), 0, 1), then the interval's sums restart. All replicas hold
        the same sums (all-reduced), so they all compute the same p."""
        due = self.g_optimizer.iterations % self.ada_interval == 0  # steps done, G updated
        r_t = self.ada_sign_sum / tf.maximum(self.ada_count, 1.0)
        images = self.ada_count / self.d_steps  # each step's real batch, counted once
        adjust = tf.sign(r_t - self.ada_target) * images / (self.ada_kimg * 1000.0)
        adapted = tf.clip_by_value(self.augment_p + adjust, 0.0, 1.0)
        self.augment_p.assign(tf.where(due, adapted, self.augment_p))
        self.ada_sign_sum.assign(tf.where(due, 0.0, self.ada_sign_sum))
        self.ada_count.assign(tf.where(due, 0.0, self.ada_count))

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


def _replicated_scalar(name):
    """A float32 0, not trained, identical on every replica by construction: the model
    assigns it only values all replicas compute alike (all-reduced sums), so with
    "only_first_replica" a write from a replica's context takes the first replica's value
    for every copy, with no merge_call; it is saved with the model's weights."""
    return keras.Variable(
        0.0, dtype="float32", trainable=False, name=name, aggregation="only_first_replica"
    )


def _sum_over_replicas(values):
    """The sums of `values` over the replicas (the values themselves outside a strategy)."""
    context = tf.distribute.get_replica_context()
    if context is None or context.num_replicas_in_sync == 1:
        return values
    return context.all_reduce(tf.distribute.ReduceOp.SUM, values)


class _Latest(keras.metrics.Metric):
    """The value of the last update, not a mean: the current p of ADA in the logs."""

    def __init__(self, name):
        super().__init__(name=name)
        self.latest = self.add_variable((), "zeros", aggregation="only_first_replica")

    def update_state(self, value):
        self.latest.assign(tf.cast(value, self.dtype))

    def result(self):
        return tf.identity(self.latest)


def _averaged_copy(generator):
    """A frozen copy of `generator` with the same weights, for the moving average."""
    copy = keras.models.clone_model(generator)
    copy.set_weights(generator.get_weights())
    copy.trainable = False
    copy.name = "ema_generator"
    return copy
