"""A VAE on scikit-learn's bundled digits, blessed on reconstruction and sample quality."""

from tfgen.pipeline.definition import create_pipeline as _create
from tfgen.pipeline.definition import make_config

CONFIG = make_config(
    name="vae-digits",
    description="A VAE on the bundled 8x8 digits, blessed on reconstruction PSNR and FID.",
    served_name="vae_digits",
    data={"source": "digits"},
    schema={"image_shape": [8, 8, 1]},
    trainer={
        "model": "vae",
        "epochs": 60,
        "batch_size": 32,
        # dense learns these 8x8 digits faster than conv: PSNR 14.8 dB vs 12.6 after 15 epochs
        "hparams": {"latent_dim": 8, "architecture": "dense", "learning_rate": 0.003},
    },
    evaluator={"thresholds": {"psnr_db": {"min": 15.0}, "fid": {"max": 50.0}}},
)


def create_pipeline(config=CONFIG):
    return _create(config)
