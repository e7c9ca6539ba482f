"""`tfgen evaluate --model PATH --data SOURCE --json report.json [...]`"""

from tfgen.cli.arguments import (
    add_data_arguments,
    add_json_argument,
    add_model_argument,
    class_list,
    positive_int,
    quantile,
    truncation,
)


def add_parser(verbs):
    p = verbs.add_parser(
        "evaluate",
        help="measure a model; write a JSON report and PNG plots",
        description=(
            "Evaluate a saved model: reconstruction MSE/BCE/PSNR, the denoising gain, VAE "
            "likelihood bounds (ELBO, IWAE) and anomaly detection. On the data the model was "
            "trained on, the run's held-out split is scored."
        ),
    )
    add_model_argument(p)
    add_data_arguments(
        p,
        required=False,
        help="what to score (default: the test split of the model's training data when it has "
        "one, e.g. fashion_mnist -> fashion_mnist:test; else that data's held-out split)",
    )
    add_json_argument(p)
    p.add_argument(
        "--anomaly-classes",
        type=class_list,
        metavar="LABELS",
        help="labels to score as anomalies against the rest, e.g. 9",
    )
    p.add_argument(
        "--anomaly-score",
        choices=("error_map_peak", "reconstruction_mse", "negative_elbo", "negative_iwae"),
        default="error_map_peak",
        help="the score thresholded and plotted (AUROC is reported for every score); "
        "default: the peak of the smoothed squared-error map",
    )
    p.add_argument(
        "--error-window",
        type=positive_int,
        help="side of the window the error map is averaged over (default: the odd number "
        "nearest 0.4 of the image side, 11 on 28x28 images)",
    )
    p.add_argument(
        "--iwae-samples",
        type=positive_int,
        help="K of the importance-weighted bound for VAEs (default: 100, about a minute with "
        "the image cap; 5000, the literature's NLL, with --full)",
    )
    p.add_argument(
        "--full",
        action="store_true",
        help="the full estimate: K=5000 on every image (a VAE otherwise scores at most "
        "1000 images; the full estimate takes tens of minutes on a CPU)",
    )
    p.add_argument(
        "--threshold-quantile",
        type=quantile,
        default=0.95,
        help="anomaly threshold: this quantile of normal validation scores (default 0.95)",
    )
    p.add_argument(
        "--noise",
        metavar="KIND:LEVEL",
        help="corruption for the denoising figures, e.g. gaussian:0.5 (default: a denoising "
        "autoencoder's own)",
    )
    p.add_argument(
        "--all-data",
        action="store_true",
        help="score all of --data even when it is the model's training data",
    )
    p.add_argument(
        "--features",
        metavar="SPEC",
        help="feature extractor of the sample metrics: classifier:PATH (a tfgen classifier, "
        "the offline default: the newest exported one), inception, inception:WEIGHTS.h5",
    )
    p.add_argument(
        "--n",
        type=positive_int,
        default=10000,
        help="generated images for the sample metrics (default: 10000)",
    )
    p.add_argument(
        "--truncation",
        type=truncation,
        default=1.0,
        help="psi of the generated images (default: 1)",
    )
    p.add_argument(
        "--max-images",
        type=positive_int,
        help="score at most this many real images (and anomalies); default: all, and at "
        "most 1000 for a VAE without --full",
    )
    p.add_argument("--seed", type=int, default=0, help="default: 0")
    p.set_defaults(run=run)


def run(args):
    from tfgen.cli.arguments import data_options

    noise = parse_noise(args.noise)  # before TensorFlow loads
    from tfgen.evaluation import evaluate

    report = evaluate(
        args.model,
        args.data,  # None: the library picks the test split of the model's training data
        json_path=args.json,
        anomaly_classes=args.anomaly_classes,
        anomaly_score=args.anomaly_score,
        error_window=args.error_window,
        iwae_samples=args.iwae_samples,
        threshold_quantile=args.threshold_quantile,
        noise=noise,
        held_out=not args.all_data,
        max_examples=args.max_images,
        full=args.full,
        features=args.features,
        samples=args.n,
        truncation=args.truncation,
        seed=args.seed,
        **data_options(args),
    )
    print(f"scored {report['data']['images']} images: {report['data']['scored']}")
    for warning in report["data"]["warnings"]:
        print(f"warning: {warning}")
    for section, names in HEADLINES.items():
        if section in report:
            print(f"{section}: {_figures(report[section], names)}")
    if "likelihood" in report:
        print(_likelihood_precision(report["likelihood"], report["settings"]["full"]))
    if "samples" in report:
        print(
            f"real-vs-real floor: {_figures(report['samples']['real_floor'], HEADLINES['samples'])}"
        )
    print(f"report: {args.json} (plots and per-image CSV beside it)")


# the figures printed per report section, in this order (the JSON holds them all)
HEADLINES = {
    "reconstruction": ("mse", "bce", "psnr_db"),
    "denoising": ("noisy_psnr_db", "denoised_psnr_db", "gain_db"),
    "likelihood": ("negative_elbo_nats", "nll_nats"),
    "anomaly": (
        "auroc",
        "threshold",
        "at_threshold_true_positive_rate",
        "at_threshold_false_positive_rate",
    ),
    "samples": ("fid", "kid", "precision", "recall", "density", "coverage", "classifier_score"),
}


def _likelihood_precision(section, full):
    """What the NLL estimate cost and how precise it is, so the trade is visible."""
    line = (
        f"nll {section['nll_nats']:.2f} +- {section['nll_standard_error_nats']:.2f} nats "
        f"(standard error over {section['images']} images; IWAE K={section['iwae_samples']}"
    )
    if full or section["iwae_samples"] >= 5000:
        return line + ")"
    return line + ", a looser bound than K=5000: --full for the literature's estimate)"


def _figures(section, names):
    return ", ".join(f"{name} {section[name]:.4g}" for name in names if name in section)


def parse_noise(text):
    from tfgen.config import CorruptionOptions
    from tfgen.config.options import NOISES
    from tfgen.errors import InputError

    if text is None:
        return None
    kind, _, level = text.partition(":")
    try:
        level = float(level)
    except ValueError:
        raise InputError(
            f"--noise expects KIND:LEVEL with KIND in {NOISES}, e.g. gaussian:0.5. "
            f"Received: {text!r}"
        ) from None
    CorruptionOptions(noise=kind, noise_level=level)  # refuses a bad kind or level
    return kind, level
