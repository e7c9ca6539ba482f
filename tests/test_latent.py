"""Latent-space tools: the interpolation maths, arithmetic and attribute vectors against the
model's own encoder/decoder, grids, traversals and the command line."""

import numpy as np
import pytest

from tests.test_cli import tfgen
from tests.utils.test_plots import capture_figures, png_size
from tfgen.data import load_examples
from tfgen.errors import InputError
from tfgen.models.vae import build_vae
from tfgen.tools import latent


def test_lerp_and_slerp_hand_computed():
    a, b = np.array([1.0, 0.0]), np.array([0.0, 1.0])
    np.testing.assert_allclose(latent.lerp(a, b, [0.0, 0.5, 1.0]), [[1, 0], [0.5, 0.5], [0, 1]])
    path = latent.slerp(a, b, [0.0, 0.5, 1.0])
    np.testing.assert_allclose(path, [[1, 0], [2**-0.5, 2**-0.5], [0, 1]], atol=1e-6)
    np.testing.assert_allclose(np.linalg.norm(path, axis=1), 1.0, atol=1e-6)  # stays on the circle
    np.testing.assert_allclose(latent.slerp(a, 2 * a, [0.5]), [[1.5, 0.0]])  # parallel: lerp


@pytest.fixture(scope="module")
def vae():
    return build_vae((8, 8, 1), latent_dim=2, architecture="dense", widths=[32])


@pytest.fixture(scope="module")
def digits():
    return load_examples("digits", pixel_range=(0, 1))


def test_interpolation_ends_at_the_two_reconstructions(vae, digits):
    images, _ = digits
    strip = latent.interpolate(vae, images[0], images[1], steps=5, method="linear")
    assert strip.shape == (5, 8, 8, 1)
    np.testing.assert_allclose(strip[[0, -1]], vae.reconstruct(images[:2]), atol=1e-5)
    with pytest.raises(InputError, match="method must be one of"):
        latent.interpolate(vae, images[0], images[1], method="cubic")


def test_arithmetic_and_attribute_vector(vae, digits):
    images, labels = digits
    codes = vae.encode_latent(images[:3])
    np.testing.assert_allclose(
        latent.arithmetic(vae, *images[:3]),
        vae.decode_latent((codes[0] - codes[1] + codes[2])[None]),
        atol=1e-6,
    )
    vector = latent.attribute_vector(vae, images, labels, 3)
    all_codes = vae.encode_latent(images)
    np.testing.assert_allclose(
        vector, all_codes[labels == 3].mean(0) - all_codes.mean(0), rtol=1e-5, atol=1e-6
    )
    edited = latent.add_attribute(vae, images[:2], vector, strengths=(0.0, 1.0))
    assert edited.shape == (2, 2, 8, 8, 1)
    np.testing.assert_allclose(edited[:, 0], vae.reconstruct(images[:2]), atol=1e-5)


def test_traverse_and_grid(vae):
    values = np.array([-1.0, 0.0, 2.0])
    images = latent.traverse(vae, np.zeros(2, np.float32), dim=1, values=values)
    expected = vae.decode_latent(np.array([[0, -1], [0, 0], [0, 2]], np.float32))
    np.testing.assert_allclose(images, expected, atol=1e-6)
    assert latent.latent_grid(vae, n=4).shape == (16, 8, 8, 1)
    with pytest.raises(InputError, match="needs a 2-d latent space"):
        latent.latent_grid(build_vae((8, 8, 1), latent_dim=3, architecture="dense"))
    with pytest.raises(InputError, match="dim must be in"):
        latent.traverse(vae, np.zeros(2, np.float32), dim=2, values=values)


def test_project_2d_keeps_2d_and_reduces_more():
    codes = np.random.default_rng(0).normal(size=(50, 5))
    assert latent.project_2d(codes[:, :2]) is not None
    np.testing.assert_allclose(latent.project_2d(codes[:, :2]), codes[:, :2])
    assert latent.project_2d(codes).shape == (50, 2)


def test_every_tool_from_the_command_line(vae, tmp_path, capsys, monkeypatch):
    """Each tool writes one readable, labelled PNG (finding 7: the 8x8 digits' 2-d grid was
    136 pixels and the strips 291x30, with no labels)."""
    figures = capture_figures(monkeypatch)
    vae.save(tmp_path / "vae.keras")
    model = ["--model", tmp_path / "vae.keras"]
    data = ["--data", "digits"]
    commands = {
        "interpolate": [*data, "--a", 0, "--b", 1, "--steps", 6],
        "arithmetic": [*data, "--a", 0, "--b", 1, "--c", 2],
        "attribute": [*data, "--label", 3, "--n", 4],
        "traverse": ["--steps", 5],
        "grid": ["--n", 5],
        "scatter": [*data, "--n", 300],
    }
    for tool, args in commands.items():
        out = tmp_path / f"{tool}.png"
        assert tfgen("latent", tool, *model, "--out", out, *args) == 0, tool
        assert max(png_size(out)) >= 400, tool
    z = [f"{v:.2f}" for v in latent.latent_grid_axes(5)[0]]  # -1.96 .. 1.96
    labels = {
        "interpolate": ["a (image 0)", "t=0.20", "t=0.40", "t=0.60", "t=0.80", "b (image 1)"],
        "arithmetic": ["a", "b", "c", "a - b + c"],
        "attribute": ["+0 v", "+0.5 v", "+1 v", "+1.5 v", "+2 v"],
        "traverse": ["z[0]", "z[1]", "-3", "-1.5", "0", "1.5", "3"],
        "grid": [*z[::-1], *z, "z[0]", "z[1]"],
    }
    for tool, expected in labels.items():
        assert set(expected) <= set(figures[f"{tool}.png"]), tool
    assert (
        figures["arithmetic.png"][-1] == "latent arithmetic: a = image 0, b = image 1, c = image 2"
    )
    width, height = png_size(tmp_path / "grid.png")
    assert width >= 5 * 64 and height >= 5 * 64  # every cell at least 64 pixels
    assert (
        tfgen(
            "latent",
            "interpolate",
            *model,
            *data,
            "--a",
            0,
            "--b",
            99999,
            "--out",
            tmp_path / "x.png",
        )
        == 2
    )
    assert "--b must be in [0, 1797)" in capsys.readouterr().err
