"""The Pusher publishes only under a safe name, and never silently changes the signatures
clients of a served model call."""

import json

import pytest
from keras.saving import load_model

from tfgen.cli import main
from tfgen.errors import InputError
from tfgen.export import export_model, signature_specs
from tfgen.models import build_model
from tfgen.pipeline import pusher
from tfgen.pipeline.definition import make_config
from tfgen.pipeline.local import configure
from tfgen.pipeline.pusher import SignatureChangeError, model_fingerprint


@pytest.mark.parametrize(
    "key, value",
    [
        ("served_name", "../../x"),
        ("served_name", "evil\n"),
        ("served_name", ".hidden"),
        ("name", "a/b"),
        ("trainer.model", "../dcgan"),
    ],
)
def test_configure_refuses_names_that_escape_their_folder(key, value):
    with pytest.raises(InputError, match=f"{key} must start with a letter or digit"):
        configure("dcgan_digits", {key: value})


def test_configure_refuses_a_non_boolean_signature_change_setting():
    with pytest.raises(InputError, match="pusher.allow_signature_change must be true or false"):
        configure("dcgan_digits", {"pusher.allow_signature_change": "yes"})
    config = configure("dcgan_digits", {"pusher.allow_signature_change": True})
    assert config["pusher"]["allow_signature_change"] is True


def test_make_config_refuses_a_bad_served_name():
    with pytest.raises(InputError, match="served_name must start with a letter or digit"):
        make_config(name="p", description="", served_name="../../x", trainer={"model": "dcgan"})


def test_pipeline_cli_exits_2_with_one_line(tmp_path, capsys):
    with pytest.raises(SystemExit) as exit_:
        main(
            ["pipeline", "run", "dcgan_digits", "--set", "served_name=../../x"]
            + ["--pipeline-root", str(tmp_path / "root")]
        )
    assert exit_.value.code == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1
    assert err.startswith("tfgen pipeline: error: served_name must start with a letter")
    assert "Received: served_name='../../x'" in err
    assert not (tmp_path / "root").exists()


def _trained(kind, folder):
    """A Trainer output folder: `savedmodel/1` of a tiny model of `kind`, and the model."""
    options = {
        "dcgan": {"latent_dim": 4, "g_widths": [16, 8], "d_widths": [8]},
        "vae": {"latent_dim": 3, "architecture": "dense", "hidden": 16},
    }[kind]
    model = build_model(kind, (8, 8, 1), **options)
    export_model(model, "savedmodel", base=folder, max_batch=16)
    model.save(folder / "model.keras")
    return folder


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    root = tmp_path_factory.mktemp("runs")
    for verdict in ("BLESSED", "INFRA_BLESSED"):
        (root / "blessings").mkdir(exist_ok=True)
        (root / "blessings" / verdict).write_text("ok\n")
    return {
        "dcgan": _trained("dcgan", root / "dcgan"),
        "dcgan_again": _trained("dcgan", root / "dcgan_again"),
        "vae": _trained("vae", root / "vae"),
        "blessings": root / "blessings",
    }


def _push(runs, kind, base, out, name="served", **kwargs):
    blessing = runs["blessings"]
    return pusher(runs[kind], blessing, blessing, out, name=name, base=base, **kwargs)


def test_the_pusher_refuses_an_unsafe_name(runs, tmp_path):
    base = tmp_path / "deep" / "saved_models"
    with pytest.raises(InputError, match="served_name must start with a letter or digit"):
        _push(runs, "dcgan", base, tmp_path / "out", name="../../x")
    assert not (tmp_path / "x").exists() and not base.exists()


def test_a_signature_change_is_refused_unless_allowed(runs, tmp_path):
    base = tmp_path / "saved_models"
    first = _push(runs, "dcgan", base, tmp_path / "out1")
    assert first["pushed"] and first["version"] == 1
    card = json.loads((base / "served" / "1" / "model_card.json").read_text())
    assert card["serving"] == {"max_batch": 16}
    assert card["signatures"]["serving_default"]["inputs"]["seed"] == {
        "dtype": "int64",
        "shape": [-1],
    }
    assert card["signatures"]["sample"]["outputs"]["images"]["shape"] == [-1, 8, 8, 1]
    assert "1 to 16 rows per request" in (base / "served" / "1" / "model_card.md").read_text()

    # the same kind of model: same signatures, pushed as version 2
    assert _push(runs, "dcgan_again", base, tmp_path / "out2")["version"] == 2

    with pytest.raises(SignatureChangeError) as refused:
        _push(runs, "vae", base, tmp_path / "out3")
    message = str(refused.value)
    assert "differ from version 2's" in message
    assert "signatures removed: ['generate'" not in message  # a VAE also has generate/sample
    assert "signatures added: ['decode', 'encode', 'reconstruct']" in message
    assert "serving_default inputs (seed: int64[-1], truncation: float32[-1]) -> " in message
    assert "(images: float32[-1, 8, 8, 1])" in message
    assert "pusher.allow_signature_change: true" in message
    assert sorted(p.name for p in (base / "served").iterdir()) == [".tfgen.lock", "1", "2"]

    allowed = _push(runs, "vae", base, tmp_path / "out4", allow_signature_change=True)
    assert allowed["pushed"] and allowed["version"] == 3


def test_a_version_without_a_card_is_compared_through_its_savedmodel(runs, tmp_path):
    base = tmp_path / "saved_models"
    export_model(
        build_model("vae", (8, 8, 1), latent_dim=3, architecture="dense", hidden=16),
        "served",
        base=base,
    )  # written by `tfgen export`, not the Pusher: no model card
    with pytest.raises(SignatureChangeError, match="signatures removed: \\['decode', 'encode'"):
        _push(runs, "dcgan", base, tmp_path / "out")
    assert not (base / "served" / "2").exists()


def test_a_model_identical_to_the_latest_version_is_not_pushed_again(runs, tmp_path):
    base = tmp_path / "saved_models"
    first = _push(runs, "dcgan", base, tmp_path / "out1")
    assert first["version"] == 1 and first["fingerprint"].startswith("sha256:")
    card = json.loads((base / "served" / "1" / "model_card.json").read_text())
    assert card["fingerprint"] == first["fingerprint"]

    again = _push(runs, "dcgan", base, tmp_path / "out2")
    assert again == {
        "pushed": False,
        "version": None,
        "path": None,
        "reason": "identical to version 1: not pushed",
        "fingerprint": first["fingerprint"],
        "identical_to": 1,
    }
    assert json.loads((tmp_path / "out2" / "pushed.json").read_text()) == again
    assert sorted(p.name for p in (base / "served").iterdir()) == [".tfgen.lock", "1"]

    # another model of the same kind (other initial weights, same signatures) is new
    other = _push(runs, "dcgan_again", base, tmp_path / "out3")
    assert other["version"] == 2 and other["fingerprint"] != first["fingerprint"]
    # compared with the latest version only: after version 2, the first model is new again
    assert _push(runs, "dcgan", base, tmp_path / "out4")["version"] == 3


@pytest.mark.slow
def test_the_same_weights_exported_again_are_identical_and_one_nudged_weight_is_not(runs, tmp_path):
    base, blessing = tmp_path / "saved_models", runs["blessings"]
    assert _push(runs, "dcgan", base, tmp_path / "out1")["version"] == 1
    # another SavedModel of the same weights, as a re-run's Trainer exports its checkpoint
    model = load_model(runs["dcgan"] / "model.keras")
    export_model(model, "savedmodel", base=tmp_path / "again", max_batch=16)
    again = pusher(
        tmp_path / "again", blessing, blessing, tmp_path / "o2", name="served", base=base
    )
    assert again["reason"] == "identical to version 1: not pushed"
    # one weight nudged by 1e-6: another model
    model.generator.weights[0].assign(model.generator.weights[0] + 1e-6)
    export_model(model, "savedmodel", base=tmp_path / "nudged", max_batch=16)
    nudged = pusher(
        tmp_path / "nudged", blessing, blessing, tmp_path / "o3", name="served", base=base
    )
    assert nudged["pushed"] and nudged["version"] == 2
    assert nudged["fingerprint"] != again["fingerprint"]


def test_the_fingerprint_covers_the_signatures(runs):
    saved = runs["dcgan"] / "savedmodel" / "1"
    specs = signature_specs(saved)
    renamed = {("draw" if name == "sample" else name): spec for name, spec in specs.items()}
    assert model_fingerprint(saved, specs) != model_fingerprint(saved, renamed)
    assert model_fingerprint(saved, specs) == model_fingerprint(
        saved, json.loads(json.dumps(specs))
    )


def test_an_unblessed_model_is_not_pushed_with_the_failed_checks_as_reason(runs, tmp_path):
    blessing = tmp_path / "blessing"
    blessing.mkdir()
    checks = [
        {"metric": "psnr_db", "kind": "min", "limit": 15.0, "value": 14.7612, "passed": False},
        {"metric": "fid", "kind": "max", "limit": 50.0, "value": 31.0, "passed": True},
    ]
    (blessing / "evaluation.json").write_text(json.dumps({"blessed": False, "checks": checks}))
    (blessing / "NOT_BLESSED").write_text("psnr_db 14.76 >= 15.0: FAILED\n")
    infra = tmp_path / "infra"
    infra.mkdir()
    (infra / "INFRA_NOT_BLESSED").write_text("3 of 8 requests served\nTraceback ...\n")
    base = tmp_path / "saved_models"
    result = pusher(
        runs["dcgan"], blessing, runs["blessings"], tmp_path / "o1", name="s", base=base
    )
    assert result["reason"] == "not pushed: PSNR 14.76 < 15"
    result = pusher(runs["dcgan"], blessing, infra, tmp_path / "o2", name="s", base=base)
    assert result["reason"] == (
        "not pushed: PSNR 14.76 < 15; not infra-blessed (3 of 8 requests served)"
    )
    assert not result["pushed"] and not base.exists()
