"""The undercomplete autoencoder: encoder -> bottleneck code -> decoder, trained on
reconstruction error. Sparse and denoising variants override one hook each."""

import keras
import tensorflow as tf

from tfgen.config import (
    AutoencoderOptions,
    ReconstructionOptions,
    build_options,
    constructor_options,
)
from tfgen.losses import RECONSTRUCTION_LOSSES
from tfgen.models.base import (
    AutoencoderMixin,
    deserialize_submodels,
    serialize_options,
    serialize_submodels,
)
from tfgen.models.optimizers import adam, apply_update
from tfgen.networks.decoder import build_decoder
from tfgen.networks.encoder import build_encoder
from tfgen.ops.sampling import step_seed
from tfgen.utils.images import UNIT_RANGE

SUBMODELS = ("encoder", "decoder")
EVAL_STEP = -1  # the fixed "step" whose noise validation and evaluation use


@keras.saving.register_keras_serializable(package="tfgen")
class Autoencoder(AutoencoderMixin, keras.Model):
    """Minimises the reconstruction error of x from its code h = encoder(x).

    loss = reconstruction error (per-pixel mean MSE or BCE) + code penalty. Hooks: `corrupt`
    (what the encoder sees; the identity here) and `code_penalty` (zero here). Tracked: `loss`,
    `reconstruction_loss`.

    Args:
        encoder: images -> {"code": (B, code_size)}.
        decoder: code -> pixel logits.
        options: a `tfgen.config.ReconstructionOptions` (the `ae` family's options derive
            from it), a dict of its settings, or None for defaults; keyword arguments naming
            its settings override it. Read here: reconstruction_loss ("mse" or "bce") and
            seed (seeds any noise, a function of seed and step).
    """

    pixel_range = UNIT_RANGE
    loss_settings = ("reconstruction_loss",)  # named when compile(loss=...) is refused
    preview_tag = "reconstructions"  # TensorBoard image tag

    options_class = ReconstructionOptions  # what the model reads; validated once, there

    def __init__(self, encoder, decoder, options=None, **kwargs):
        options, kwargs = constructor_options(self.options_class, options, kwargs)
        super().__init__(**kwargs)
        self.options = options
        self.encoder = encoder
        self.decoder = decoder
        self.latent_dim = int(decoder.input_shape[-1])
        self.image_shape = tuple(int(d) for d in decoder.output_shape[1:])
        self.reconstruction_loss = options.reconstruction_loss
        self.seed = options.seed
        self.loss_tracker = keras.metrics.Mean(name="loss")
        self.reconstruction_tracker = keras.metrics.Mean(name="reconstruction_loss")
        self.built = True

    @property
    def metrics(self):
        return [self.loss_tracker, self.reconstruction_tracker]

    def train_step(self, data):
        images = keras.utils.unpack_x_y_sample_weight(data)[0]
        inputs = self.corrupt(images, step_seed(self.seed, self.optimizer.iterations, 0))
        with tf.GradientTape() as tape:
            code, reconstruction, penalty = self.loss_terms(inputs, images, training=True)
            # the penalty is a batch-level scalar: scale it like a regulariser across replicas
            loss = tf.nn.compute_average_loss(reconstruction) + tf.nn.scale_regularization_loss(
                penalty
            )
        variables = self.trainable_variables
        apply_update(self.optimizer, tape, loss, variables)
        return self.track(reconstruction, penalty, code)

    def test_step(self, data):
        images = keras.utils.unpack_x_y_sample_weight(data)[0]
        inputs = self.corrupt(images, step_seed(self.seed, EVAL_STEP, 0))
        return self.track(*self.loss_terms(inputs, images)[1:], self.encode_code(inputs))

    def loss_terms(self, inputs, targets, training=False):
        """(code, per-image reconstruction error of `targets`, code penalty) for `inputs`."""
        code = self.encoder(inputs, training=training)["code"]
        logits = self.decoder(code, training=training)
        error = RECONSTRUCTION_LOSSES[self.reconstruction_loss](targets, logits)
        return code, error, self.code_penalty(code)

    def encode_code(self, inputs):
        return self.encoder(inputs, training=False)["code"]

    def corrupt(self, images, seed):
        """What the encoder sees during training: the clean images here."""
        return images

    def code_penalty(self, code):
        """A penalty on the code's activations: none here."""
        return tf.zeros([], tf.float32)

    def track(self, reconstruction, penalty, code):
        self.loss_tracker.update_state(reconstruction + penalty)
        self.reconstruction_tracker.update_state(reconstruction)
        return {m.name: m.result() for m in self.metrics}

    def get_config(self):
        return {
            **super().get_config(),
            **serialize_submodels(self, SUBMODELS),
            **serialize_options(self.options),
        }

    @classmethod
    def from_config(cls, config):
        return cls(**deserialize_submodels(config, SUBMODELS))


def build_networks(image_shape, options, code_activation=None):
    """(encoder with a "code" head, decoder) sized for `image_shape`, as `options` (an
    `AutoencoderOptions`) describes."""
    o = options
    encoder = build_encoder(
        image_shape, o.code_size, o.architecture, o.widths, o.hidden, ("code",), code_activation
    )
    return encoder, build_decoder(image_shape, o.code_size, o.architecture, o.widths, o.hidden)


def compiled(model):
    """`model` compiled with Adam at its options' learning rate, slots built."""
    model.compile(optimizer=adam(model.options.learning_rate))
    model.optimizer.build(model.trainable_variables)
    return model


def build_autoencoder(image_shape, options=None, **settings):
    """A compiled undercomplete autoencoder from a `tfgen.config.AutoencoderOptions` (None:
    defaults) with `settings` on top: `code_size` is the bottleneck, `widths` the layers
    (their number is the depth), Adam(1e-3)."""
    options = build_options(AutoencoderOptions, options, settings)
    return compiled(Autoencoder(*build_networks(image_shape, options), options))
