"""The domain classifier (FGSM-aware training step, features, export) and the attacks."""

import numpy as np
import pytest
import tensorflow as tf

from tests.conftest import run_python
from tfgen.data import load_dataset
from tfgen.errors import InputError
from tfgen.export import export_model
from tfgen.models import build_model
from tfgen.ops.adversarial import accuracy_under_attack, classifier_loss, fgsm, pgd


def test_fgsm_steps_along_the_gradient_sign_and_clips():
    w = tf.constant([[1.0, -2.0, 0.5, -0.1]])

    def linear(x):  # d loss / dx = w: FGSM moves each pixel by eps * sign(w)
        return tf.reduce_sum(x * w, axis=1)

    x = tf.constant([[0.5, 0.5, 0.98, 0.02]])
    np.testing.assert_allclose(fgsm(linear, x, 0.1), [[0.6, 0.4, 1.0, 0.0]], atol=1e-6)


def test_pgd_stays_in_the_eps_ball_and_beats_fgsm():
    centre = tf.constant([[0.6, 0.4]])

    def bowl(x):  # the loss grows toward the corners, non-linearly
        return tf.reduce_sum(tf.square(x - centre) * tf.constant([[1.0, 3.0]]), axis=1)

    x = tf.constant([[0.5, 0.5]])
    stronger = pgd(bowl, x, 0.2, steps=20)
    assert float(tf.reduce_max(tf.abs(stronger - x))) <= 0.2 + 1e-6
    assert float(bowl(stronger)[0]) >= float(bowl(fgsm(bowl, x, 0.2))[0]) - 1e-6


@pytest.fixture(scope="module")
def classifier():
    model = build_model("classifier", (8, 8, 1), num_classes=10, widths=[16, 32], dropout=0.0)
    model.fit(load_dataset("digits", pixel_range=(0, 1), batch_size=64), epochs=8, verbose=0)
    return model


def test_classifier_learns_digits_and_attacks_lower_its_accuracy(classifier):
    images, labels = next(
        iter(load_dataset("digits", pixel_range=(0, 1), batch_size=500, shuffle=False))
    )
    accuracy, examples = accuracy_under_attack(
        classifier, images.numpy(), labels.numpy(), [0.05, 0.3], batch=250
    )
    assert accuracy[0.0] > 0.9  # digits it trained on
    assert accuracy[0.0] > accuracy[0.05] > accuracy[0.3]
    assert np.abs(examples[0.3] - images.numpy()[:250]).max() <= 0.3 + 1e-6
    pgd_accuracy, _ = accuracy_under_attack(
        classifier, images.numpy(), labels.numpy(), [0.05], method="pgd", steps=5
    )
    assert pgd_accuracy[0.05] <= accuracy[0.05] + 0.02
    with pytest.raises(InputError, match="attack must be one of"):
        accuracy_under_attack(classifier, images.numpy(), labels.numpy(), [0.1], method="cw")


def test_adversarial_training_loss_mixes_clean_and_fgsm_cross_entropy():
    model = build_model(
        "classifier",
        (8, 8, 1),
        num_classes=10,
        widths=[8],
        dropout=0.0,
        adversarial_ratio=0.25,
        adversarial_eps=0.1,
    )
    x = tf.random.uniform([16, 8, 8, 1], seed=3)
    y = tf.constant(np.arange(16) % 10, tf.int32)

    def cross_entropy(images):
        return tf.nn.sparse_softmax_cross_entropy_with_logits(
            labels=y, logits=model.network(images, training=True)["logits"]
        )

    before = model.get_weights()
    adversarial = fgsm(classifier_loss(model, y), x, 0.1)
    expected = float(tf.reduce_mean(0.75 * cross_entropy(x) + 0.25 * cross_entropy(adversarial)))
    model.set_weights(before)  # the calls above moved the batch-norm statistics
    logs = model.train_step((x, y))  # logs the loss of the weights before this update
    assert float(logs["loss"]) == pytest.approx(expected, rel=1e-4)


@pytest.mark.slow  # 6-11 s in the fast tier under xdist
def test_classifier_exports_classify_with_features(classifier, tmp_path):
    path = export_model(classifier, "digits_classifier", base=tmp_path)
    x = np.random.default_rng(0).uniform(size=(4, 8, 8, 1)).astype(np.float32)
    np.save(tmp_path / "x.npy", x)
    out = run_python(f"""
        import numpy as np, tensorflow as tf
        m = tf.saved_model.load({str(path)!r})
        r = m.signatures["classify"](images=tf.constant(np.load({str(tmp_path / "x.npy")!r})))
        np.savez({str(tmp_path / "out.npz")!r}, **{{k: v.numpy() for k, v in r.items()}})
        print(sorted(m.signatures))
    """)
    assert "classify" in out and "serving_default" in out
    served = np.load(tmp_path / "out.npz")
    np.testing.assert_allclose(served["features"], classifier.features(x), atol=1e-5)
    np.testing.assert_allclose(served["logits"], classifier.logits(x), atol=1e-5)
    np.testing.assert_allclose(served["probabilities"].sum(axis=1), 1.0, atol=1e-5)


def test_classifier_needs_labels():
    with pytest.raises(InputError, match="needs labelled data"):
        build_model("classifier", (8, 8, 1))
