"""FGSM (and PGD) robustness of a classifier trained on the MNIST files without and with
adversarial training, measured on its held-out 10%.

    .venv/bin/python -m benchmarks.fgsm_mnist [--mnist DIR] [--epochs 6]

Reference (Goodfellow et al. 2015, MNIST, eps = 0.25): an undefended maxout network
misclassified 89.4% of FGSM examples; adversarial training brought that to 17.9%.
"""

import argparse

import keras
import numpy as np

from benchmarks.common import DEFAULT_MNIST, mnist_path
from tfgen.data import load_dataset
from tfgen.models import build_model
from tfgen.ops.adversarial import accuracy_under_attack

EPS = [0.05, 0.1, 0.2, 0.25, 0.3]


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--mnist", default=DEFAULT_MNIST)
    parser.add_argument("--epochs", type=int, default=6)
    args = parser.parse_args()
    mnist = mnist_path(args.mnist)
    train, val = load_dataset(
        mnist, pixel_range=(0, 1), batch_size=128, validation_split=0.1, subset="both"
    )
    images, labels = (np.concatenate([b[i].numpy() for b in val]) for i in (0, 1))
    for name, ratio in [("undefended", 0.0), ("adversarially trained (ratio 0.5, eps 0.25)", 0.5)]:
        keras.utils.set_random_seed(0)
        model = build_model(
            "classifier", (28, 28, 1), num_classes=10, adversarial_ratio=ratio, adversarial_eps=0.25
        )
        model.fit(train, epochs=args.epochs, verbose=0)
        fgsm, _ = accuracy_under_attack(model, images, labels, EPS)
        pgd, _ = accuracy_under_attack(model, images, labels, [0.25], method="pgd", steps=10)
        curve = ", ".join(f"{eps:g}: {acc:.3f}" for eps, acc in fgsm.items())
        print(
            f"{name}: clean accuracy {fgsm[0.0]:.4f}; FGSM accuracy by eps {{{curve}}}; at "
            f"eps 0.25 error {1 - fgsm[0.25]:.1%} (FGSM), {1 - pgd[0.25]:.1%} (PGD, 10 steps)",
            flush=True,
        )


if __name__ == "__main__":
    main()
