"""The classifier score: the Inception score (Salimans et al. 2016) with a domain classifier
("MNIST score" in TF-GAN).

    exp(E_x KL(p(y|x) || p(y))),  p(y) the mean of p(y|x) over the split,

high when each sample is confidently one class and all classes appear; at most the number of
classes. Reported as mean and standard deviation over `splits` disjoint splits.
"""

import numpy as np
from scipy.special import softmax


def classifier_score(logits, splits=10):
    """{"mean", "std", "splits"} of the score of class logits (N, K)."""
    probabilities = softmax(np.asarray(logits, np.float64), axis=1)
    scores = []
    for part in np.array_split(probabilities, splits):
        marginal = part.mean(axis=0, keepdims=True)
        kl = (part * (np.log(part + 1e-12) - np.log(marginal + 1e-12))).sum(axis=1)
        scores.append(float(np.exp(kl.mean())))
    return {"mean": float(np.mean(scores)), "std": float(np.std(scores)), "splits": splits}
