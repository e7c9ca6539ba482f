"""`sample` and `generate` run a compiled, batched sampler: the same images as the eager
Keras call, the seed + i rule, and one trace whatever the number of images."""

import numpy as np
import pytest

from tests.models.test_gan_family import tiny
from tfgen.models.base import in_chunks
from tfgen.models.vae import build_vae

N = 260  # more than one chunk of 256, with a short last chunk


def model_named(name):
    if name == "vae":
        return build_vae((8, 8, 1), latent_dim=3)
    if name == "dcgan_ema":
        gan = tiny("dcgan", ema_decay=0.9)
        for weight in gan.generator.weights:  # the live generator drifts from its average
            weight.assign(weight + 0.05)
        return gan
    return tiny(name)


def eager(model, z, *conditions):
    """The former path: the Keras networks called eagerly, chunk by chunk."""
    return in_chunks(model.images_from_latents, z, *conditions)


@pytest.mark.parametrize(
    "name",
    [
        "dcgan_ema",
        pytest.param("dcgan", marks=pytest.mark.slow),
        pytest.param("cgan", marks=pytest.mark.slow),
        pytest.param("vae", marks=pytest.mark.slow),
    ],
)
@pytest.mark.slow  # 6-11 s in the fast tier under xdist
def test_compiled_sampling_equals_the_eager_path(name):
    model = model_named(name)
    labels = [np.arange(N) % 10] if name == "cgan" else []
    for truncation, method in ((1.0, None), (0.6, "resample")):
        z = model.sample_latents(N, seed=7, truncation=truncation, method=method)
        expected = eager(model, z, *labels)
        images = model.sample(N, seed=7, truncation=truncation, method=method)
        assert images.shape == (N, 8, 8, 1) and images.dtype == np.float32
        np.testing.assert_allclose(images, expected, atol=1e-6)
        np.testing.assert_allclose(model.generate(z), expected, atol=1e-6)
    if name == "dcgan_ema":
        live = in_chunks(lambda z: (model.generator(z, training=False) + 1.0) / 2.0, z)
        assert np.abs(model.generate(z) - live).max() > 1e-3  # it samples the average


def test_cgan_labels_reach_the_compiled_sampler():
    cgan = tiny("cgan")
    z = cgan.sample_latents(4, seed=2)
    for labels in (3, [0, 1, 2, 9]):
        expected = eager(cgan, z, cgan.labels_for(4, labels))
        np.testing.assert_allclose(cgan.sample(4, seed=2, labels=labels), expected, atol=1e-6)
        np.testing.assert_allclose(cgan.generate(z, labels), expected, atol=1e-6)


def test_image_i_is_seed_plus_i_and_weights_are_read_at_each_call():
    gan = tiny("dcgan")
    many = gan.sample(N, seed=10, truncation=0.8, method="resample")
    np.testing.assert_array_equal(
        many[1:5], gan.sample(4, seed=11, truncation=0.8, method="resample")
    )
    np.testing.assert_array_equal(
        many[250:], gan.sample(N - 250, seed=260, truncation=0.8, method="resample")
    )
    for weight in gan.generator.weights:  # after the trace: the sampler sees new weights
        weight.assign(weight * 0.5)
    np.testing.assert_allclose(
        gan.sample(3, seed=10), eager(gan, gan.sample_latents(3, seed=10)), atol=1e-6
    )


def test_one_trace_whatever_the_number_of_images():
    cgan = tiny("cgan")
    for n in (1, 7, 256, N):
        cgan.sample(n, seed=n)
        cgan.generate(cgan.sample_latents(n), labels=2)
    assert cgan.compiled_sampler("sample").experimental_get_tracing_count() == 1
    assert cgan.compiled_sampler("generate").experimental_get_tracing_count() == 1
    assert cgan.compiled_sampler("sample") is cgan.compiled_sampler("sample", "scale")


def test_without_xla_the_sampler_draws_the_same_images(monkeypatch):
    """Where Keras says XLA cannot compile the networks, the sampler runs them in graph mode:
    the same images, the seed + i rule kept."""
    import tfgen.models.base

    xla, graph = tiny("dcgan"), tiny("dcgan")
    graph.set_weights(xla.get_weights())
    expected = xla.sample(N, seed=3)
    assert calls_xla(xla.compiled_sampler("sample")) and calls_xla(xla.compiled_sampler("generate"))
    monkeypatch.setattr(tfgen.models.base, "model_supports_jit", lambda model: False)
    images = graph.sample(N, seed=3)
    assert not calls_xla(graph.compiled_sampler("sample"))
    np.testing.assert_allclose(images, expected, atol=1e-6)
    np.testing.assert_array_equal(images[5:9], graph.sample(4, seed=8))


def test_xla_only_for_the_families_that_declare_it():
    """GANs (DCGAN generators) sample through XLA; a VAE's decoder, slower under XLA on CPU,
    and a GAN told otherwise before its first sample do not."""
    assert calls_xla(tiny("cgan").compiled_sampler("sample"))
    assert not calls_xla(model_named("vae").compiled_sampler("sample"))
    gan = tiny("dcgan")
    gan.xla_sampling = False
    assert not calls_xla(gan.compiled_sampler("generate"))


def calls_xla(sampler):
    """Whether a traced sampler calls a function XLA must compile."""
    operations = sampler.get_concrete_function().graph.get_operations()
    return any(
        op.node_def.attr["_XlaMustCompile"].b
        for op in operations
        if "_XlaMustCompile" in op.node_def.attr
    )
