"""Telling generated images from real ones with a trained GAN's discriminator.

"Can we easily distinguish AI-generated content?" A discriminator is a real-vs-generated
classifier trained against its own generator: it recognises that generator's flaws, not
generated images in general.
"""

import numpy as np

from tfgen.errors import InputError
from tfgen.metrics import auroc


def detector_of(model):
    """The model itself, checked to have a discriminator to score images with."""
    if not model.can_discriminate:
        raise InputError(
            f"a {type(model).__name__} has no discriminator; detection needs a GAN (gan, dcgan, "
            "cgan, wgan_gp, sngan, conditional_sngan) or a vaegan."
        )
    return model


def score_images(model, images):
    """Per image: D's raw score and, for the cross-entropy games, P(real) = sigmoid(score).

    Args:
        images: (N, H, W, C) in [0, 1], the model's image shape.

    Returns:
        (scores, probabilities or None).
    """
    scores = detector_of(model).discriminator_scores(images)
    probabilistic = model.game.cross_entropy
    return scores, (1.0 / (1.0 + np.exp(-scores)) if probabilistic else None)


def decision_threshold(model, real_scores=None, fake_scores=None):
    """The score above which an image is called real: 0 for logits (P = 1/2), 0.5 for least
    squares, halfway between the two groups' means for an uncalibrated critic."""
    decision = model.game.decision
    if decision is not None:
        return float(decision)
    if real_scores is None:
        raise InputError(
            "a Wasserstein critic has no fixed threshold; score real and "
            "generated images together (--real and --fake)."
        )
    return float((np.mean(real_scores) + np.mean(fake_scores)) / 2.0)


def detection_report(model, real_images, fake_images):
    """Accuracy (at the model's decision threshold) and AUROC of real vs generated images."""
    real_scores, _ = score_images(model, real_images)
    fake_scores, _ = score_images(model, fake_images)
    threshold = decision_threshold(model, real_scores, fake_scores)
    correct = np.concatenate([real_scores > threshold, fake_scores <= threshold])
    is_real = np.concatenate([np.ones(len(real_scores), bool), np.zeros(len(fake_scores), bool)])
    return (
        {
            "real_images": int(len(real_scores)),
            "generated_images": int(len(fake_scores)),
            "threshold": threshold,
            "accuracy": float(correct.mean()),
            "real_called_real": float(np.mean(real_scores > threshold)),
            "generated_called_generated": float(np.mean(fake_scores <= threshold)),
            "auroc": auroc(np.concatenate([real_scores, fake_scores]), is_real),
        },
        real_scores,
        fake_scores,
    )
