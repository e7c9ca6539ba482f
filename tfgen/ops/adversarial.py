"""Adversarial examples: FGSM (Goodfellow et al. 2015) and PGD (Madry et al. 2018).

    FGSM: x_adv = clip(x + eps * sign(grad_x L(x, y)))
    PGD:  repeat x <- clip(project_eps(x + alpha * sign(grad_x L(x, y)))) from a random start

against a classifier (L = cross-entropy of the true label) or a GAN discriminator (L = its
cross-entropy on the true real/generated target). Pixels stay in the model's range.
"""

import tensorflow as tf

from tfgen.errors import InputError


def fgsm(loss_fn, images, eps, pixel_range=(0.0, 1.0)):
    """One signed-gradient step of size eps that increases `loss_fn` (per-example losses)."""
    images = tf.convert_to_tensor(images, tf.float32)
    with tf.GradientTape() as tape:
        tape.watch(images)
        total = tf.reduce_sum(loss_fn(images))
    step = eps * tf.sign(tape.gradient(total, images))
    return tf.clip_by_value(images + step, *pixel_range)


def pgd(loss_fn, images, eps, steps=10, step_size=None, pixel_range=(0.0, 1.0), seed=0):
    """Projected gradient ascent on the loss inside the L-infinity ball of radius eps, from a
    uniform random start; step size 2.5 eps / steps by default (Madry et al. 2018)."""
    images = tf.convert_to_tensor(images, tf.float32)
    step_size = step_size or 2.5 * eps / steps
    noise = tf.random.stateless_uniform(tf.shape(images), [seed, 0], -eps, eps)
    adversarial = tf.clip_by_value(images + noise, *pixel_range)
    for _ in range(steps):
        adversarial = fgsm(loss_fn, adversarial, step_size, pixel_range)
        adversarial = tf.clip_by_value(adversarial, images - eps, images + eps)
        adversarial = tf.clip_by_value(adversarial, *pixel_range)
    return adversarial


def classifier_loss(classifier, labels):
    """Per-example cross-entropy of the true labels: what an attack on a classifier raises."""
    labels = tf.cast(labels, tf.int32)

    def loss(images):
        logits = classifier.logits_of(images)
        return tf.nn.sparse_softmax_cross_entropy_with_logits(labels=labels, logits=logits)

    return loss


ATTACKS = {"fgsm": fgsm, "pgd": pgd}


def accuracy_under_attack(
    classifier, images, labels, eps_values, method="fgsm", steps=10, batch=500, seed=0
):
    """Accuracy on clean images (eps 0) and under attack at each eps.

    Returns:
        ({eps: accuracy}, {eps: the first `batch` images as attacked at that eps}).
    """
    if method not in ATTACKS:
        raise InputError(f"attack must be one of {sorted(ATTACKS)}. Received: {method!r}")
    attack = tf.function(
        lambda x, y, eps: ATTACKS[method](
            classifier_loss(classifier, y),
            x,
            eps,
            pixel_range=classifier.pixel_range,
            **({"seed": seed, "steps": steps} if method == "pgd" else {}),
        ),
        reduce_retracing=True,
    )
    results, examples = {}, {}
    for eps in [0.0, *eps_values]:
        correct = 0
        for start in range(0, len(images), batch):
            x = tf.constant(images[start : start + batch], tf.float32)
            y = tf.constant(labels[start : start + batch])
            adversarial = attack(x, y, tf.constant(eps, tf.float32)) if eps else x
            predicted = tf.argmax(classifier.logits_of(adversarial), axis=1)
            correct += int(tf.reduce_sum(tf.cast(predicted == tf.cast(y, tf.int64), tf.int32)))
            if start == 0:
                examples[float(eps)] = adversarial.numpy()
        results[float(eps)] = correct / len(images)
    return results, examples


def check_eps(eps_values):
    eps_values = [float(e) for e in eps_values]
    if not eps_values or min(eps_values) <= 0:
        raise InputError(f"eps values must be > 0. Received: {eps_values}")
    return sorted(eps_values)


__all__ = ["ATTACKS", "accuracy_under_attack", "check_eps", "classifier_loss", "fgsm", "pgd"]
