"""Building an adversarial model from its family's validated options."""

from tfgen.models.optimizers import two_adams


def compiled_adversarial(model_class, generator, discriminator, options, **extra):
    """`model_class(generator, discriminator, options=options, **extra)`, compiled with the two Adam
    optimizers `options` (a `tfgen.config.AdversarialOptions`) describes."""
    model = model_class(generator, discriminator, options=options, **extra)
    d_optimizer, g_optimizer = two_adams(options)
    model.compile(d_optimizer=d_optimizer, g_optimizer=g_optimizer)
    return model
