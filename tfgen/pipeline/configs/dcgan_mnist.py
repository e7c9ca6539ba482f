"""DCGAN on a folder of MNIST IDX files (by default ../shared/data/mnist)."""

CONFIG = dict(  # the sections it sets; load_config adds the defaults and checks the whole
    name="dcgan-mnist",
    description="A DCGAN on the MNIST IDX files, blessed on FID and recall.",
    served_name="dcgan_mnist",
    data={"source": "../shared/data/mnist"},
    schema={
        "image_shape": [28, 28, 1],
        "min_examples": 1000,
        "labels_required": True,
        "num_classes": 10,
        "max_duplicate_fraction": 0.01,
    },
    trainer={"model": "dcgan", "epochs": 20},
    evaluator={"thresholds": {"fid": {"max": 30.0}, "recall": {"min": 0.3}}, "samples": 5000},
)
