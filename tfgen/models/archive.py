"""Assembles a model's serving signatures into an `ExportArchive`. Names, inputs and outputs
are a public API.

Each model family owns its endpoints (`serving_endpoints(max_batch)` on
`tfgen.models.base.LatentImageModelMixin`, `AutoencoderMixin`, the classifier and the
conditional GAN), built from the in-graph checks of `tfgen.ops.serving`; this module only
asks the model for them, orders them and tracks the sub-models they read. It lives with the
models, below `tfgen.export`, so `model.export(path)` writes the same signatures as
`tfgen export` (which adds the versioned folder, the metadata and the verification).
"""

import keras

from tfgen.errors import InputError
from tfgen.ops.serving import DEFAULT_MAX_BATCH, check_max_batch

# The first present is serving_default: classify for classifiers, reconstruct for
# autoencoders, sample for GANs.
ENDPOINT_ORDER = ("classify", "reconstruct", "encode", "decode", "sample", "generate")


def build_archive(model, encoder_only=False, max_batch=DEFAULT_MAX_BATCH):
    """An `ExportArchive` with the model's endpoints; the first is `serving_default`.

    GANs: sample, generate. Autoencoders: reconstruct, encode, decode. VAEs: reconstruct,
    encode, decode, generate, sample. Classifiers: classify. `encoder_only`: encode alone, for
    users who keep only the encoder (the decoder's variables are left out).

    Args:
        max_batch: every signature refuses a request of more rows than this (and an empty
            one) with an InvalidArgument, before any model computation.

    Returns:
        (archive, signature descriptions as {name: {"inputs": {...}, "outputs": [...]}}).

    Raises:
        InputError: not a servable tfgen model, a bad max_batch, or `encoder_only` for a model
            without an encoder.
    """
    from tfgen.models.base import ServableMixin  # base's `export` calls this module

    check_max_batch(max_batch)
    if not isinstance(model, ServableMixin):
        raise InputError(f"a {type(model).__name__} is not a tfgen model: it has no endpoints.")
    if encoder_only and not model.can_encode:
        raise InputError(f"a {type(model).__name__} has no encoder to export on its own.")
    endpoints = model.serving_endpoints(max_batch)
    unknown = sorted(set(endpoints) - set(ENDPOINT_ORDER))
    if unknown:
        raise InputError(f"{type(model).__name__} declares unknown endpoints {unknown}")
    order = ["encode"] if encoder_only else [n for n in ENDPOINT_ORDER if n in endpoints]
    archive = keras.export.ExportArchive()
    for resource in _unique(r for name in order for r in endpoints[name].resources):
        archive.track(resource)
    described = {}
    for name in order:
        endpoint = endpoints[name]
        archive.add_endpoint(name, endpoint.fn, input_signature=endpoint.input_specs)
        described[name] = {
            "inputs": {
                s.name: {"dtype": s.dtype.name, "shape": _shape(s)} for s in endpoint.input_specs
            },
            "outputs": endpoint.outputs,
        }
    return archive, described


def _unique(resources):
    seen, unique = set(), []
    for resource in resources:
        if id(resource) not in seen:
            seen.add(id(resource))
            unique.append(resource)
    return unique


def _shape(spec):
    return [-1 if d is None else int(d) for d in spec.shape]
