"""DCGAN on Fashion-MNIST's train split (the named dataset `fashion_mnist:train`)."""

CONFIG = dict(  # the sections it sets; load_config adds the defaults and checks the whole
    name="dcgan-fashion",
    description="A DCGAN on Fashion-MNIST's train split, blessed on FID and recall.",
    served_name="dcgan_fashion",
    # the Trainer gets the train split, the Evaluator the official test split
    data={"source": "fashion_mnist:train", "eval_source": "fashion_mnist:test"},
    schema={
        "image_shape": [28, 28, 1],
        "min_examples": 5000,
        "labels_required": True,
        "num_classes": 10,
        "max_duplicate_fraction": 0.01,
    },
    # One epoch is 937 steps of 64 (60,000 images). Measured here (2 CPU cores shared with other
    # jobs): ExampleGen 1 min 50 s, StatisticsGen 2 min 5 s, Trainer 14 min (0.86 s a step),
    # Evaluator 6 min (its classifier is trained once and cached), 25.5 min in all.
    trainer={"model": "dcgan", "epochs": 1},
    # Distances are measured on the features of a classifier trained on the train split, not
    # Inception's, so they are not comparable with published FIDs. Measured against the test
    # split: the untrained generator FID 1485, recall 0.0; after this one epoch FID 373,
    # recall 0.38, precision 0.67 (the train split itself: FID 2.2, recall 0.88).
    evaluator={"thresholds": {"fid": {"max": 500.0}, "recall": {"min": 0.3}}, "samples": 5000},
)
