"""`tfgen attack {fgsm,pgd} --model CLASSIFIER --data SOURCE --eps 0.05,0.1,0.2,0.3 [...]`"""

from tfgen.cli.arguments import (
    add_data_arguments,
    add_json_argument,
    add_model_argument,
    positive_float_list,
    positive_int,
)


def add_parser(verbs):
    p = verbs.add_parser(
        "attack",
        help="accuracy of a classifier under FGSM or PGD attacks",
        description=(
            "Attack a tfgen classifier with FGSM (Goodfellow et al. 2015) or PGD (Madry et al. "
            "2018) at each eps; write accuracy vs eps as JSON, a PNG curve and a grid of "
            "adversarial examples. On the classifier's training data its held-out split is used."
        ),
    )
    p.add_argument("method", choices=("fgsm", "pgd"), help="the attack")
    add_model_argument(p, help="a classifier .keras model")
    add_data_arguments(p)
    p.add_argument(
        "--eps",
        type=positive_float_list,
        default="0.05,0.1,0.2,0.3",
        help="perturbation sizes in pixel units of [0, 1] (default: 0.05,0.1,0.2,0.3)",
    )
    p.add_argument("--steps", type=positive_int, default=10, help="PGD iterations (default: 10)")
    p.add_argument("--max-images", type=positive_int, help="attack at most this many images")
    add_json_argument(p)
    p.set_defaults(run=run)


def run(args):
    from tfgen.cli.arguments import data_options
    from tfgen.evaluation.robustness import attack_report

    report = attack_report(
        args.model,
        args.data,
        args.method,
        args.eps,
        json_path=args.json,
        steps=args.steps,
        max_examples=args.max_images,
        **data_options(args),
    )
    print(f"{args.method} on {report['images']} images ({report['scored']}):")
    for eps, accuracy in report["accuracy"].items():
        print(f"  eps {eps}: accuracy {accuracy:.4f}")
    print(f"report: {args.json} (curve and examples beside it)")
