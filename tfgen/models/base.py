"""What the model families share: decoding latents to images, sampling, encoding, and the
(de)serialisation of sub-models."""

import copy

import keras
import numpy as np
import tensorflow as tf

try:  # Keras's own rule for when XLA can compile a model (it has no public name)
    from keras.src.trainers.trainer import model_supports_jit
except ImportError:  # a Keras that moved it: sample in graph mode rather than fail

    def model_supports_jit(model):
        return False


from tfgen.errors import InputError
from tfgen.models.conventions import KerasConventions
from tfgen.ops.sampling import TRUNCATION_METHODS, latents_from_seeds, seed_range
from tfgen.ops.serving import Endpoint, checked_images, checked_latents, checked_seeds

_CHUNK = 256  # images per forward pass when processing many
# Rows per call of the compiled sampler, and the multiple its XLA-compiled decoder's input is
# padded to (one XLA program for any n). Larger calls were no faster: a 28x28 DCGAN sampled
# ~1,500-1,600 images/s with XLA at 256, 512 and 1024 rows on 2 CPU cores.
_SAMPLE_CHUNK = 256


def in_chunks(fn, *arrays, chunk=_CHUNK):
    """Applies a tensor function to NumPy arrays (sliced alike) chunk by chunk; returns NumPy.

    Floats are passed as float32 and integers as int32.
    """
    arrays = [
        np.asarray(a, np.int32 if np.issubdtype(np.asarray(a).dtype, np.integer) else np.float32)
        for a in arrays
    ]
    return np.concatenate(
        [
            np.asarray(fn(*[tf.constant(a[i : i + chunk]) for a in arrays]))
            for i in range(0, len(arrays[0]), chunk)
        ]
    )


# What a model can do (its `capabilities`), so callers ask instead of probing attributes.
SAMPLE = "sample"  # draws images from a latent prior: generate(z), sample(seed, truncation)
ENCODE = "encode"  # maps images to codes and back: encode, decode, reconstruct
CLASSIFY = "classify"  # labels images: classify
CONDITIONAL = "conditional"  # its images depend on a class label (`num_classes` of them)
DISCRIMINATE = "discriminate"  # scores images real vs generated: discriminator_scores(images)


class ServableMixin(KerasConventions):
    """What every servable model declares: its `capabilities` and its serving endpoints, and
    the Keras conventions it keeps (`tfgen.models.conventions`).

    Families extend both cooperatively (`super().capabilities | {...}`,
    `{**super().serving_endpoints(max_batch), ...}`), so a VAE, both an autoencoder and a
    latent image model, serves the endpoints of both.
    """

    capabilities = frozenset()
    num_classes = None  # the number of labels, for conditional models and classifiers

    @property
    def can_sample(self):
        return SAMPLE in self.capabilities

    @property
    def can_encode(self):
        return ENCODE in self.capabilities

    @property
    def can_classify(self):
        return CLASSIFY in self.capabilities

    @property
    def is_conditional(self):
        return CONDITIONAL in self.capabilities

    @property
    def can_discriminate(self):
        return DISCRIMINATE in self.capabilities

    def serving_endpoints(self, max_batch):
        """{signature name: Endpoint}: each endpoint refuses an empty batch and one of more
        than `max_batch` rows before it computes anything (see `tfgen.ops.serving`)."""
        return {}


class LatentImageModelMixin(ServableMixin):
    """For models with a latent prior: `latent_dim` and `images_from_latents(z)` in [0, 1].

    A family names the networks `images_from_latents` reads in `latent_networks()`.
    """

    @property
    def capabilities(self):
        return super().capabilities | {SAMPLE}

    def serving_endpoints(self, max_batch):
        """generate(z) and sample(seed, truncation), both -> {"images"} in [0, 1]."""
        latent_dim = self.latent_dim

        def generate(z):
            z = checked_latents(z, latent_dim, "generate", max_batch)
            return {"images": self.images_from_latents(z)}

        def sample(seed, truncation):
            seed, truncation = checked_seeds(seed, truncation, "sample", max_batch)
            return {"images": self.images_from_seeds(seed, truncation)}

        networks = self.latent_networks()
        return {
            **super().serving_endpoints(max_batch),
            "generate": Endpoint(generate, [latent_spec(latent_dim)], ["images"], networks),
            "sample": Endpoint(sample, seed_specs(), ["images"], networks),
        }

    def condition_specs(self):
        """Specs of the per-image inputs `images_from_latents` reads besides z (a conditional
        model's labels); none here."""
        return []

    def images_from_seeds(self, seed, truncation, *conditions, method=None, decode=None):
        """The sampling math, in TensorFlow: image i from (seed[i], truncation[i]) through
        `latents_from_seeds` and `images_from_latents`. The exported `sample` signature and the
        compiled sampler behind `sample` both run this, so their images agree.

        Args:
            seed: int64[B]; truncation: float32[B]; conditions: as `condition_specs`.
            method: "scale" or "resample"; None uses `truncation_method`.
            decode: what maps (z, *conditions) to images; None: `images_from_latents` (the
                compiled sampler passes its XLA-compiled copy of it).
        """
        method = method or self.truncation_method
        z = latents_from_seeds(seed, truncation, self.latent_dim, method)
        return (decode or self.images_from_latents)(z, *conditions)

    def compiled_sampler(self, kind="sample", method=None):
        """The cached, traced function `sample` ("sample": seed, truncation, *conditions) or
        `generate` ("generate": z, *conditions) calls chunk by chunk; -> images in [0, 1].

        Built on first use with a fixed input signature whose batch dimension is None, so it is
        traced once per (kind, method) whatever the number of images. Its variables are the
        model's, so it reads the current weights (EMA generator included) at every call.

        A family that sets `xla_sampling` has its networks run XLA-compiled (`xla_decoder`)
        wherever Keras says XLA can compile them (`model_supports_jit`: not on TensorFlow's
        Apple GPUs, not under op determinism, not with a layer XLA cannot compile), CPUs
        included, unlike Keras's jit_compile="auto", since there it was measured faster. The
        noise never is: XLA's stateless RNG draws other numbers than the TF kernels the
        exported `sample` signature runs, and the images must be the signature's.

        Raises:
            InputError: an unknown `kind` or truncation `method`.
        """
        method = method or self.truncation_method
        if method not in TRUNCATION_METHODS:
            raise InputError(
                f"method must be one of {TRUNCATION_METHODS}. Received: method={method!r}"
            )
        if kind not in ("sample", "generate"):
            raise InputError(f"kind must be 'sample' or 'generate'. Received: kind={kind!r}")
        # Kept out of Keras's attribute tracking: a cache, not part of the model's state.
        cache = self.__dict__.setdefault("_tfgen_compiled_samplers", {})
        key = (kind, method if kind == "sample" else None)
        if key not in cache:
            cache[key] = self._traced_sampler(kind, method)
        return cache[key]

    def _traced_sampler(self, kind, method):
        decode = self.images_from_latents
        networks = self.latent_networks()
        if self.xla_sampling and all(model_supports_jit(network) for network in networks):
            decode = xla_decoder(decode)
        if kind == "sample":
            specs = seed_specs()

            def fn(seed, truncation, *conditions):
                return self.images_from_seeds(
                    seed, truncation, *conditions, method=method, decode=decode
                )

        else:
            specs, fn = [latent_spec(self.latent_dim)], decode
        return tf.function(
            fn, input_signature=[*specs, *self.condition_specs()], reduce_retracing=True
        )

    def generate(self, z):
        """Images in [0, 1], (N, H, W, C) NumPy, for latent vectors z (N, latent_dim)."""
        return self._compiled_generate(z)

    truncation_method = "scale"  # how `sample` truncates below psi = 1 (models may override)
    # Whether `sample` and `generate` run the networks XLA-compiled: a family opts in where it
    # measured faster (`benchmarks/eval_cost.py --families`); XLA is not faster everywhere.
    # Set on a model before its first `sample` to override.
    xla_sampling = False

    def sample(self, n, seed=0, truncation=1.0, method=None):
        """`n` images in [0, 1] for the seeds seed, seed + 1, ..., seed + n - 1.

        Args:
            n: number of images.
            seed: the first image's seed; image i is the same as the exported `sample`
                signature returns for seed + i.
            truncation: psi in (0, 1]; 1 samples the prior, smaller values trade diversity for
                typicality (see `tfgen.ops.sampling.latents_from_seeds`).
            method: "scale" or "resample"; None uses the model's `truncation_method` (the one
                its exported `sample` signature uses).
        """
        return self._compiled_sample(n, seed, truncation, method)

    def sample_latents(self, n, seed=0, truncation=1.0, method=None):
        """The latents (N, latent_dim) NumPy `sample(n, seed, truncation, method)` decodes."""
        seeds, psi = self._seed_rows(n, seed, truncation)
        method = method or self.truncation_method
        return latents_from_seeds(seeds, psi, self.latent_dim, method).numpy()

    def _seed_rows(self, n, seed, truncation):
        """(seeds int64[n], psi float32[n]) for `sample`, after checking n and truncation."""
        if not isinstance(n, int | np.integer) or n < 1:
            raise InputError(f"n must be a positive integer. Received: n={n!r}")
        if not 0.0 < truncation <= 1.0:
            raise InputError(f"truncation must be in (0, 1]. Received: truncation={truncation!r}")
        return seed_range(seed, n), np.full(n, truncation, np.float32)

    def _compiled_sample(self, n, seed, truncation, method, *conditions):
        """`sample` through the compiled sampler; conditions are NumPy arrays of n rows."""
        seeds, psi = self._seed_rows(n, seed, truncation)
        return in_compiled_chunks(self.compiled_sampler("sample", method), seeds, psi, *conditions)

    def _compiled_generate(self, z, *conditions):
        z = np.asarray(z, np.float32)
        if z.ndim != 2 or z.shape[1] != self.latent_dim:
            raise InputError(f"z must have shape (N, {self.latent_dim}). Received: shape={z.shape}")
        return in_compiled_chunks(self.compiled_sampler("generate"), z, *conditions)


def xla_decoder(images_from_latents, rows=_SAMPLE_CHUNK):
    """`images_from_latents` XLA-compiled, its inputs padded to a multiple of `rows` rows.

    Its images differ from graph mode's by float rounding (< 1e-7 in float32). Padding
    repeats the last row and is sliced off: XLA compiles one program per input shape, and with
    one shape every row comes out bit for bit the same wherever it sits in a call. The price:
    a call of fewer rows costs as much as `rows` rows (~0.2 s for a 28x28 DCGAN on 2 CPU cores).
    """
    compiled = tf.function(images_from_latents, jit_compile=True)

    def decode(z, *conditions):
        count = tf.shape(z)[0]
        padded = -(-count // rows) * rows  # count rounded up to a multiple of rows
        index = tf.minimum(tf.range(padded), count - 1)
        return compiled(*[tf.gather(t, index) for t in (z, *conditions)])[:count]

    return decode


def in_compiled_chunks(fn, *arrays, chunk=_SAMPLE_CHUNK):
    """Calls a tf.function with an input signature on NumPy arrays (sliced alike) chunk by
    chunk, each converted to its spec's dtype; returns NumPy. Every chunk, the last one
    included, matches the same signature, so nothing is retraced."""
    dtypes = [spec.dtype for spec in fn.input_signature]
    return np.concatenate(
        [
            fn(
                *[tf.constant(a[i : i + chunk], d) for a, d in zip(arrays, dtypes, strict=True)]
            ).numpy()
            for i in range(0, len(arrays[0]), chunk)
        ]
    )


class AutoencoderMixin(ServableMixin):
    """For models with `encoder` (images -> {heads}) and `decoder` (latent -> pixel logits).

    `code_head` names the encoder output used as the deterministic code: "code" for
    autoencoders, "z_mean" (the posterior mean) for VAEs.
    """

    code_head = "code"

    @property
    def capabilities(self):
        return super().capabilities | {ENCODE}

    def latent_networks(self):
        """The networks `images_from_latents` reads."""
        return [self.decoder]

    def serving_endpoints(self, max_batch):
        """reconstruct(images) -> {"images"}, encode(images) -> the encoder's heads, and
        decode(z for VAEs, code otherwise) -> {"images"}."""
        image_shape, latent_dim = self.image_shape, self.latent_dim
        code_name = "z" if self.code_head == "z_mean" else "code"  # a VAE's latent is z

        def reconstruct(images):
            images = checked_images(images, image_shape, "reconstruct", max_batch)
            return {"images": self(images, training=False)}

        def encode(images):
            images = checked_images(images, image_shape, "encode", max_batch)
            return dict(self.encoder(images, training=False))

        def decode(code):
            code = checked_latents(code, latent_dim, "decode", max_batch, name=code_name)
            return {"images": self.images_from_latents(code)}

        images = [tf.TensorSpec([None, *image_shape], tf.float32, name="images")]
        both = [self.encoder, self.decoder]
        return {
            **super().serving_endpoints(max_batch),
            "reconstruct": Endpoint(reconstruct, images, ["images"], both),
            "encode": Endpoint(encode, images, sorted(self.encoder.output), [self.encoder]),
            "decode": Endpoint(
                decode, [latent_spec(latent_dim, code_name)], ["images"], [self.decoder]
            ),
        }

    def call(self, images, training=False):
        """Reconstructions in [0, 1] of the deterministic code."""
        code = self.encoder(images, training=training)[self.code_head]
        return self.images_from_latents(code, training=training)

    def images_from_latents(self, z, training=False):
        """Decoder means sigmoid(logits), in [0, 1]."""
        return tf.sigmoid(self.decoder(z, training=training))

    def encode_latent(self, images):
        """Deterministic codes (N, latent_dim) as NumPy for images in [0, 1]."""
        return in_chunks(lambda x: self.encoder(x, training=False)[self.code_head], images)

    def decode_latent(self, z):
        """Images in [0, 1] (NumPy) decoded from latent codes."""
        return in_chunks(self.images_from_latents, z)

    def reconstruct(self, images):
        """Reconstructions in [0, 1] (NumPy) of images in [0, 1]."""
        return in_chunks(lambda x: self(x, training=False), images)

    def preview_images(self, batch, n=32):
        """Originals and reconstructions in alternating rows of 8 (for TensorBoard)."""
        from tfgen.utils.images import image_grid

        originals = np.asarray(batch[:n], np.float32)
        reconstructions = self.reconstruct(originals)
        rows = []
        for i in range(0, len(originals), 8):
            rows += [originals[i : i + 8], reconstructions[i : i + 8]]
        return image_grid(np.concatenate(rows), columns=min(8, len(originals)))


def latent_spec(latent_dim, name="z"):
    return tf.TensorSpec([None, latent_dim], tf.float32, name=name)


def seed_specs():
    """sample's inputs: one seed and one truncation psi per image (every input shares
    dimension 0, as TF Serving's batching needs)."""
    return [
        tf.TensorSpec([None], tf.int64, name="seed"),
        tf.TensorSpec([None], tf.float32, name="truncation"),
    ]


def serialize_submodels(model, names):
    """get_config entries for sub-models, which Keras does not serialise on its own."""
    return {name: keras.saving.serialize_keras_object(getattr(model, name)) for name in names}


def serialize_options(options):
    """get_config entries for a model's options (a `tfgen.config.Settings`): the settings as a
    plain dict, and the family whose options class reads them back (see
    `tfgen.config.constructor_options`), so a saved model knows how it was built."""
    return {"options": options.to_dict(), "family": options.family}


def deserialize_submodels(config, names):
    """The inverse of `serialize_submodels`, on a copy of `config` (Keras's deserialisation
    consumes the nested dicts it is given)."""
    config = copy.deepcopy(config)
    for name in names:
        config[name] = keras.saving.deserialize_keras_object(config[name])
    return config
