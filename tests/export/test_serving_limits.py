"""Serving limits, name rules, declared capabilities and the export lock: each request is
bounded before any model computation, checked in a fresh process that does not import tfgen."""

import json
import threading
import zipfile

import numpy as np
import pytest

from tests.export.test_saved_model import serve
from tfgen.cli import main
from tfgen.errors import InputError
from tfgen.export import METADATA_FILE, build_archive, check_model_name, export_model
from tfgen.models import MODELS, build_model
from tfgen.models.base import CLASSIFY, CONDITIONAL, DISCRIMINATE, ENCODE, SAMPLE
from tfgen.models.dcgan import build_dcgan
from tfgen.models.vae import build_vae

MAX = 8  # small, to keep requests cheap


@pytest.mark.slow
def test_vae_signatures_refuse_oversized_and_empty_batches(tmp_path):
    vae = build_vae((8, 8, 1), latent_dim=3, architecture="dense", hidden=16)
    path = export_model(vae, "vae", base=tmp_path / "models", max_batch=MAX)
    x = np.random.default_rng(0).uniform(size=(MAX + 1, 8, 8, 1)).astype(np.float32)
    z = np.random.default_rng(1).normal(size=(MAX + 1, 3)).astype(np.float32)
    seeds = np.arange(MAX + 1, dtype=np.int64)
    psi = np.ones(MAX + 1, np.float32)
    outputs, _, errors = serve(
        path,
        {
            "sample:full/seed": seeds[:MAX],
            "sample:full/truncation": psi[:MAX],
            "sample:over/seed": seeds,
            "sample:over/truncation": psi,
            "sample:empty/seed": seeds[:0],
            "sample:empty/truncation": psi[:0],
            "encode:full/images": x[:MAX],
            "encode:empty/images": x[:0],
            "reconstruct:empty/images": x[:0],
            "reconstruct:over/images": x,
            "serving_default:over/images": x,
            "decode:over/z": z,
            "generate:empty/z": z[:0],
        },
        tmp_path,
    )
    assert outputs["sample:full/images"].shape == (MAX, 8, 8, 1)  # exactly max_batch works
    assert outputs["encode:full/z_mean"].shape == (MAX, 3)
    assert "sample: batch of 9 exceeds max_batch 8" in errors["sample:over"]
    assert "reconstruct: batch of 9 exceeds max_batch 8" in errors["reconstruct:over"]
    assert "reconstruct: batch of 9 exceeds max_batch 8" in errors["serving_default:over"]
    assert "decode: batch of 9 exceeds max_batch 8" in errors["decode:over"]
    for key in ("sample:empty", "encode:empty", "reconstruct:empty", "generate:empty"):
        assert f"{key.split(':')[0]}: empty batch" in errors[key], key
    assert set(errors) == {
        "sample:over",
        "reconstruct:over",
        "serving_default:over",
        "decode:over",
        "sample:empty",
        "encode:empty",
        "reconstruct:empty",
        "generate:empty",
    }
    metadata = json.loads((path / METADATA_FILE).read_text())
    assert metadata["max_batch"] == MAX
    assert metadata["capabilities"] == ["encode", "sample"]


@pytest.mark.slow  # 6-11 s in the fast tier under xdist
def test_the_batch_check_runs_before_the_model(tmp_path):
    """100,000 seeds fail at once with the limit's message: no latents or images are made."""
    gan = build_dcgan((8, 8, 1), g_widths=[16, 8], d_widths=[8], latent_dim=4)
    path = export_model(gan, "gan", base=tmp_path, max_batch=MAX)
    _, _, errors = serve(
        path,
        {
            "sample/seed": np.arange(100_000, dtype=np.int64),
            "sample/truncation": np.ones(100_000, np.float32),
        },
        tmp_path,
    )
    assert "sample: batch of 100000 exceeds max_batch 8" in errors["sample"]


@pytest.mark.parametrize("max_batch", [0, -3, 2.0, True, "8", None])
def test_max_batch_must_be_a_positive_int(tmp_path, max_batch):
    gan = build_dcgan((8, 8, 1), g_widths=[16, 8], d_widths=[8], latent_dim=4)
    with pytest.raises(InputError, match="max_batch must be a positive integer"):
        export_model(gan, "gan", base=tmp_path, max_batch=max_batch)
    assert not (tmp_path / "gan").exists()


@pytest.mark.parametrize("name", ["dcgan_digits", "a.b-c", "1", "V2.0"])
def test_good_names(name):
    assert check_model_name(name) == name


@pytest.mark.parametrize(
    "name",
    ["../../x", "..", "evil\n", ".hidden", "a/b", "a\\b", "a..b", "", "x\x00", " a", "a b"]
    + [5, None],
)
def test_bad_names_are_refused(name):
    with pytest.raises(InputError, match=r"must start with a letter or digit.*Received: name="):
        check_model_name(name)


def test_cli_export_refuses_a_bad_name_or_max_batch_and_creates_nothing(tmp_path, capsys):
    base = tmp_path / "models"
    zipfile.ZipFile(tmp_path / "m.keras", "w").close()  # passes --model's checks, made first
    for args in (["--name", "evil\n"], ["--name", "ok", "--max-batch", "0"]):
        with pytest.raises(SystemExit) as exit_:
            main(["export", "--model", str(tmp_path / "m.keras"), "--base", str(base), *args])
        assert exit_.value.code == 2
    err = capsys.readouterr().err
    assert "argument --name: name must start with a letter or digit" in err
    assert "Received: name='evil\\n'" in err
    assert "argument --max-batch: expected a positive integer, received '0'" in err
    assert not base.exists()


def _tiny(name):
    options = {
        "ae": {"code_size": 4, "architecture": "dense", "hidden": 16},
        "sparse_ae": {"code_size": 4, "architecture": "dense", "hidden": 16},
        "denoising_ae": {"code_size": 4, "architecture": "dense", "hidden": 16},
        "vae": {"latent_dim": 3, "architecture": "dense", "hidden": 16},
        "gan": {"latent_dim": 4, "g_widths": [8, 8, 8], "d_widths": [8, 8]},
        "dcgan": {"latent_dim": 4, "g_widths": [16, 8], "d_widths": [8]},
        "cgan": {"latent_dim": 4, "g_widths": [16, 8], "d_widths": [8]},
        "wgan_gp": {"latent_dim": 4, "g_widths": [16, 8], "d_widths": [8]},
        "sngan": {"latent_dim": 4, "g_width": 8, "d_width": 8},
        "conditional_sngan": {"latent_dim": 4, "g_width": 8, "d_width": 8},
        "classifier": {"widths": [4, 8], "feature_dim": 8},
        "vaegan": {"latent_dim": 3, "widths": [8, 8], "hidden": 16, "d_widths": [4, 8]},
    }[name]
    num_classes = 10 if MODELS[name].needs_labels else None
    return build_model(name, (8, 8, 1), num_classes=num_classes, **options)


# what each capability promises a client of the SavedModel
SIGNATURES_OF = {
    SAMPLE: {"generate", "sample"},
    ENCODE: {"encode", "decode", "reconstruct"},
    CLASSIFY: {"classify"},
}


@pytest.mark.parametrize("name", sorted(MODELS))
def test_declared_capabilities_match_the_exported_signatures(name):
    model = _tiny(name)
    _, signatures = build_archive(model, max_batch=MAX)
    capabilities = model.capabilities
    assert capabilities <= {SAMPLE, ENCODE, CLASSIFY, CONDITIONAL, DISCRIMINATE}
    assert model.can_discriminate == hasattr(model, "discriminator")  # serves no signature
    expected = set().union(*(SIGNATURES_OF[c] for c in capabilities if c in SIGNATURES_OF))
    assert set(signatures) == expected
    assert (model.can_sample, model.can_encode, model.can_classify) == (
        SAMPLE in capabilities,
        ENCODE in capabilities,
        CLASSIFY in capabilities,
    )
    labelled = {n for n, s in signatures.items() if "label" in s["inputs"]}
    assert labelled == ({"generate", "sample"} if model.is_conditional else set())
    assert (model.num_classes is not None) == (model.is_conditional or model.can_classify)
    assert all(
        s["inputs"] and all(v["shape"][0] == -1 for v in s["inputs"].values())
        for s in signatures.values()
    )  # every input is batched: max_batch applies


@pytest.mark.slow  # 6-12 s in the fast tier under xdist
def test_a_stale_staging_folder_is_removed_by_the_next_export(tmp_path):
    stale = tmp_path / "gan" / ".staging-x"
    (stale / "variables").mkdir(parents=True)
    (stale / "saved_model.pb").write_bytes(b"half written")
    gan = build_dcgan((8, 8, 1), g_widths=[16, 8], d_widths=[8], latent_dim=4)
    export_model(gan, "gan", base=tmp_path, max_batch=MAX)
    assert sorted(p.name for p in (tmp_path / "gan").iterdir()) == [".tfgen.lock", "1"]


def test_an_export_waits_for_the_lock_of_its_name(tmp_path):
    from tfgen.export import model_lock

    gan = build_dcgan((8, 8, 1), g_widths=[16, 8], d_widths=[8], latent_dim=4)
    done = []
    with model_lock(tmp_path / "gan"):  # another export of "gan", mid-way
        (tmp_path / "gan" / ".staging-live").mkdir()
        worker = threading.Thread(
            target=lambda: done.append(export_model(gan, "gan", base=tmp_path, max_batch=MAX))
        )
        worker.start()
        worker.join(timeout=3)
        assert worker.is_alive() and not done  # blocked on the lock
        assert (tmp_path / "gan" / ".staging-live").is_dir()  # in use: left alone
        (tmp_path / "gan" / ".staging-live").rename(tmp_path / "gan" / "1")  # it publishes
    worker.join(timeout=300)
    assert done == [tmp_path / "gan" / "2"]
