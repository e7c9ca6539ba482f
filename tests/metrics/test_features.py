"""Feature extractors: a tfgen classifier (file or export), InceptionV3 (random weights here:
no download), the offline error, and the feature cache."""

import numpy as np
import pytest

from tfgen.data import load_dataset
from tfgen.errors import InputError
from tfgen.export import export_model
from tfgen.metrics import features as feature_module
from tfgen.metrics.features import cached_features, feature_extractor
from tfgen.models import build_model


@pytest.fixture(scope="module")
def classifier_files(tmp_path_factory):
    root = tmp_path_factory.mktemp("classifier")
    model = build_model("classifier", (8, 8, 1), num_classes=10, widths=[8, 16], feature_dim=12)
    model.fit(load_dataset("digits", pixel_range=(0, 1)).take(3), epochs=1, verbose=0)
    model.save(root / "model.keras")
    export_model(model, "clf", base=root / "exports")
    return root, model


def test_classifier_features_from_file_and_export_agree(classifier_files):
    root, model = classifier_files
    x = np.random.default_rng(1).uniform(size=(5, 8, 8, 1)).astype(np.float32)
    from_file = feature_extractor(f"classifier:{root / 'model.keras'}")
    from_export = feature_extractor(f"classifier:{root / 'exports' / 'clf'}")
    assert from_file.dims == from_export.dims == 12
    assert from_export.image_shape == (8, 8, 1)
    np.testing.assert_allclose(from_file.features(x), model.features(x), atol=1e-6)
    np.testing.assert_allclose(from_export.features(x), model.features(x), atol=1e-5)
    np.testing.assert_allclose(from_export.logits(x), model.logits(x), atol=1e-5)


def test_features_are_cached_by_extractor_and_images(classifier_files, tmp_path, monkeypatch):
    root, _ = classifier_files
    extractor = feature_extractor(f"classifier:{root / 'model.keras'}")
    x = np.random.default_rng(2).uniform(size=(6, 8, 8, 1)).astype(np.float32)
    first, logits = cached_features(extractor, x, cache_dir=tmp_path)
    assert len(list((tmp_path / "features").glob("*.npz"))) == 1
    monkeypatch.setattr(extractor, "features", lambda images: pytest.fail("recomputed"))
    again, logits_again = cached_features(extractor, x, cache_dir=tmp_path)
    np.testing.assert_array_equal(first, again)
    np.testing.assert_array_equal(logits, logits_again)
    monkeypatch.undo()
    cached_features(extractor, x[:3], cache_dir=tmp_path)  # other images: a new entry
    assert len(list((tmp_path / "features").glob("*.npz"))) == 2


@pytest.mark.slow  # 6-11 s in the fast tier under xdist
def test_inception_pipeline_with_random_weights():
    extractor = feature_extractor("inception:random")
    gray = np.random.default_rng(3).uniform(size=(2, 8, 8, 1)).astype(np.float32)
    colour = np.random.default_rng(4).uniform(size=(2, 32, 32, 3)).astype(np.float32)
    assert extractor.features(gray).shape == (2, 2048)
    assert extractor.features(colour).shape == (2, 2048)
    assert extractor.logits(gray) is None


def test_inception_offline_without_weights_says_where_to_put_them(tmp_path, monkeypatch):
    monkeypatch.setenv("KERAS_HOME", str(tmp_path))
    monkeypatch.setattr("tfgen.data.tfds_source.download_host_reachable", lambda: False)
    with pytest.raises(
        InputError, match=r"offline. Download https://.*inception_v3_weights.*" + str(tmp_path)
    ):
        feature_extractor("inception")
    assert feature_module.INCEPTION_WEIGHTS in feature_module.INCEPTION_URL


def test_unknown_specs_are_rejected(tmp_path):
    with pytest.raises(InputError, match="features must be 'classifier:PATH'"):
        feature_extractor("vgg")
    with pytest.raises(InputError, match="no classifier found"):
        feature_extractor(f"classifier:{tmp_path}")
