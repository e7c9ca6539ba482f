"""DCGAN on Fashion-MNIST's train split (the named dataset `fashion_mnist:train`)."""

from tfgen.pipeline.definition import create_pipeline as _create
from tfgen.pipeline.definition import make_config

CONFIG = make_config(
    name="dcgan-fashion",
    description="A DCGAN on Fashion-MNIST's train split, blessed on FID and recall.",
    served_name="dcgan_fashion",
    # the Trainer gets the train split, the Evaluator the official test split
    data={"source": "fashion_mnist:train", "eval_source": "fashion_mnist:test", "shards": 4},
    schema={
        "image_shape": [28, 28, 1],
        "min_examples": 5000,
        "labels_required": True,
        "num_classes": 10,
        "max_duplicate_fraction": 0.01,
    },
    # One epoch is 844 steps of 64 (54,000 images). Measured here on 2 busy CPU cores: 1.1 s a
    # step (an epoch on the 10,000 test images took 174 s), ExampleGen + StatisticsGen 3 min;
    # with the Evaluator's 3-epoch classifier that is about 15 minutes on idle cores, up to ~20
    # on busy ones. More epochs (--set trainer.epochs=10) train a better model, ~10x longer.
    trainer={"model": "dcgan", "epochs": 1},
    evaluator={"thresholds": {"fid": {"max": 30.0}, "recall": {"min": 0.3}}, "samples": 5000},
)


def create_pipeline(config=CONFIG):
    return _create(config)
