"""Latent-space tools for the autoencoder family: interpolation, arithmetic, attribute vectors,
traversals, 2-d grids and scatters.

They work on the deterministic code (`encode_latent`: the code of an autoencoder, the posterior
mean of a VAE) and decode with `decode_latent`. Latent arithmetic is meaningful where the space
is regular, which the VAE's KL term encourages ("king - man + woman = queen").
"""

import numpy as np
import scipy.stats

from tfgen.errors import InputError


def lerp(a, b, t):
    """(1 - t) a + t b for each t: (len(t), D)."""
    t = np.asarray(t, np.float64)[:, None]
    return ((1.0 - t) * a + t * b).astype(np.float32)


def slerp(a, b, t):
    """Spherical interpolation (Shoemake 1985; White 2016 for generative models): follows the
    great circle between a and b, keeping norms typical of a Gaussian prior. Falls back to
    `lerp` for (anti)parallel vectors."""
    a, b = np.asarray(a, np.float64), np.asarray(b, np.float64)
    cos = np.dot(a, b) / max(np.linalg.norm(a) * np.linalg.norm(b), 1e-12)
    omega = np.arccos(np.clip(cos, -1.0, 1.0))
    if np.sin(omega) < 1e-6:
        return lerp(a, b, t)
    t = np.asarray(t, np.float64)[:, None]
    mixed = (np.sin((1.0 - t) * omega) * a + np.sin(t * omega) * b) / np.sin(omega)
    return mixed.astype(np.float32)


INTERPOLATIONS = {"linear": lerp, "slerp": slerp}


def interpolate(model, image_a, image_b, steps=8, method="slerp"):
    """Images decoded along the path between the codes of two images: (steps, H, W, C)."""
    if method not in INTERPOLATIONS:
        raise InputError(f"method must be one of {sorted(INTERPOLATIONS)}. Received: {method!r}")
    if steps < 2:
        raise InputError(f"steps must be >= 2. Received: steps={steps!r}")
    a, b = model.encode_latent(np.stack([image_a, image_b]))
    return model.decode_latent(INTERPOLATIONS[method](a, b, np.linspace(0.0, 1.0, steps)))


def arithmetic(model, image_a, image_b, image_c):
    """decode(code(a) - code(b) + code(c)): (1, H, W, C)."""
    a, b, c = model.encode_latent(np.stack([image_a, image_b, image_c]))
    return model.decode_latent((a - b + c)[None])


def attribute_vector(model, images, labels, label):
    """mean code of the images labelled `label` minus the mean code of all images."""
    labels = np.asarray(labels)
    if not np.any(labels == label):
        raise InputError(f"no image has label {label}; labels present: {sorted(set(labels))}")
    codes = model.encode_latent(images)
    return codes[labels == label].mean(axis=0) - codes.mean(axis=0)


def add_attribute(model, images, vector, strengths=(0.0, 0.5, 1.0, 1.5, 2.0)):
    """Each image decoded with `strength` x vector added to its code: (len(images),
    len(strengths), H, W, C)."""
    codes = model.encode_latent(images)
    shifted = codes[:, None, :] + np.asarray(strengths, np.float32)[None, :, None] * vector
    decoded = model.decode_latent(shifted.reshape(-1, codes.shape[1]))
    return decoded.reshape(len(images), len(strengths), *decoded.shape[1:])


def traverse(model, code, dim, values):
    """Decodes copies of `code` with coordinate `dim` set to each of `values`."""
    code = np.asarray(code, np.float32)
    if not 0 <= dim < code.shape[-1]:
        raise InputError(f"dim must be in [0, {code.shape[-1]}). Received: dim={dim!r}")
    codes = np.repeat(code[None], len(values), axis=0)
    codes[:, dim] = values
    return model.decode_latent(codes)


def latent_grid(model, n=15, coverage=0.95):
    """For a 2-d latent: an n x n grid of decodings at prior quantiles (Kingma and Welling 2014,
    fig. 4), covering the central `coverage` of each N(0, 1) axis. Row-major, top row = high z2.
    """
    if model.latent_dim != 2:
        raise InputError(
            f"a latent grid needs a 2-d latent space; this model's has {model.latent_dim} "
            "dimensions (train with --set latent_dim=2), or use `traverse`."
        )
    z1, z2 = np.meshgrid(*latent_grid_axes(n, coverage))
    return model.decode_latent(np.stack([z1.ravel(), z2.ravel()], axis=1))


def latent_grid_axes(n=15, coverage=0.95):
    """(z1 values left to right, z2 values top to bottom) of `latent_grid`'s columns and rows."""
    tail = (1.0 - coverage) / 2.0
    axis = scipy.stats.norm.ppf(np.linspace(tail, 1.0 - tail, n)).astype(np.float32)
    return axis, axis[::-1]


def project_2d(codes):
    """Codes as 2-d points: themselves when 2-d, else their first two principal components."""
    codes = np.asarray(codes, np.float64)
    if codes.shape[1] <= 2:
        return codes
    centred = codes - codes.mean(axis=0)
    _, _, vt = np.linalg.svd(centred, full_matrices=False)
    return centred @ vt[:2].T


def interpolate_seeds(model, seed_a, seed_b, steps=8, method="slerp", truncation=1.0, labels=None):
    """Images along the path between the latents of two sample seeds: (steps, H, W, C).

    Spherical interpolation keeps the path where the Gaussian prior puts its mass; the linear
    path's midpoints have unusually small norms (White 2016).
    """
    if method not in INTERPOLATIONS:
        raise InputError(f"method must be one of {sorted(INTERPOLATIONS)}. Received: {method!r}")
    a = model.sample_latents(1, seed_a, truncation)[0]
    b = model.sample_latents(1, seed_b, truncation)[0]
    path = INTERPOLATIONS[method](a, b, np.linspace(0.0, 1.0, steps))
    return model.generate(path) if labels is None else model.generate(path, labels)


def psi_sweep(model, n, psis=(1.0, 0.8, 0.6, 0.4, 0.2), seed=0, method=None):
    """The same `n` seeds at each truncation psi: (len(psis) * n, H, W, C), one row per psi,
    showing the quality/diversity trade-off (rows grow more typical and alike as psi falls)."""
    return np.concatenate(
        [model.sample(n, seed=seed, truncation=psi, method=method) for psi in psis]
    )
