"""What TensorBoard shows of a training run, read through TensorBoard's own server code with the
requests its browser app sends (tfgen issue 15): one run per split with the images inside, the
projector from the run's log root and from a folder above it, an HPARAMS session with the
settings and the final metrics of a resumed run, the losses in one CUSTOM SCALARS chart."""

import json
import time
import urllib.parse

import numpy as np
import pytest
import tensorflow as tf
import werkzeug.test
from tensorboard import program

from tfgen.data import load_dataset
from tfgen.models import load_model
from tfgen.training import train

TINY_VAE = {"architecture": "dense", "widths": [16], "latent_dim": 2}
# one training for the module (two `train` calls: ~15 s alone on 2 cores, more when shared)
pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("tensorboard_vae")]

ALL_STATUSES = ["STATUS_UNKNOWN", "STATUS_SUCCESS", "STATUS_FAILURE", "STATUS_RUNNING"]


class Board:
    """TensorBoard (`tensorboard --logdir logdir`, the Python loader, every event file read
    before the first request), answering requests in process as its web app sends them."""

    def __init__(self, logdir):
        servers = []

        class InProcess:  # a `server_class`: no socket, requests go straight to the WSGI app
            def __init__(self, app, flags):
                self.client = werkzeug.test.Client(app)
                servers.append(self)

            def serve_forever(self):
                pass

            def get_url(self):
                return ""

        tb = program.TensorBoard(server_class=InProcess)
        tb.configure(
            logdir=str(logdir), load_fast="false", reload_interval=0, reload_task="blocking"
        )
        tb.launch()
        self.client = servers[0].client

    def get(self, route, body=None, **query):
        """The response body of `route` (JSON decoded, or bytes) for `query`, or for a POSTed
        JSON `body` as the HParams dashboard sends."""
        url = f"/data{route}?{urllib.parse.urlencode(query)}"
        response = self.client.get(url) if body is None else self.client.post(url, json=body)
        assert response.status_code == 200, (route, response.get_data(as_text=True))
        data = response.get_data()
        is_json = response.mimetype == "application/json"
        return json.loads(data) if is_json else data

    def active_plugins(self, wait_for=None, timeout=20):
        """The names of the dashboards shown. Some (the projector) find out in a background
        thread whether they have data, and say so on a later request: wait for `wait_for`."""
        deadline = time.monotonic() + timeout
        while True:
            listing = self.get("/plugins_listing")
            active = {name for name, plugin in listing.items() if plugin["enabled"]}
            if wait_for is None or wait_for in active or time.monotonic() > deadline:
                return active
            time.sleep(0.2)

    def session_groups(self):
        body = {
            "experimentName": "",
            "allowedStatuses": ALL_STATUSES,
            "colParams": [],
            "startIndex": 0,
            "sliceSize": 100,
        }
        return self.get("/plugin/hparams/session_groups", body)["sessionGroups"]


def metric_values(group):
    return {m["name"]["tag"]: (m["value"], m["trainingStep"]) for m in group["metricValues"]}


@pytest.fixture(scope="module")
def vae_run(tmp_path_factory):
    """A tiny VAE on the 8x8 digits with its default 10% validation split: one epoch, then
    resumed (a second `train`) to two."""
    root = tmp_path_factory.mktemp("runs")
    workdir = root / "vae"
    train("vae", "digits", epochs=1, workdir=workdir, hparams=TINY_VAE, verbose=0)
    result = train("vae", "digits", epochs=2, workdir=workdir, hparams=TINY_VAE, verbose=0)
    return root, workdir, result


@pytest.fixture(scope="module")
def board(vae_run):
    return Board(vae_run[1] / "logs")  # the folder `tfgen train` tells you to open


def test_one_run_per_split_with_the_images_of_the_preview_split(board):
    assert board.get("/runs") == ["train", "validation"]
    assert {"scalars", "images", "hparams", "custom_scalars"} <= board.active_plugins()
    scalars = board.get("/plugin/scalars/tags")
    assert {"epoch_loss", "epoch_kl_loss", "final/val_loss"} <= set(scalars["train"])
    assert "epoch_loss" in scalars["validation"]
    # the reconstructions are of the held-out preview batch: they belong to validation
    assert board.get("/plugin/images/tags") == {
        "validation": {"reconstructions": {"displayName": "", "description": "", "samples": 1}}
    }
    steps = board.get("/plugin/images/images", run="validation", tag="reconstructions")
    assert [image["step"] for image in steps] == [0, 1]  # both epochs, across the resume


def test_projector_shows_the_codes_from_the_log_root_and_from_above_it(vae_run, board):
    root, workdir, result = vae_run
    assert "projector" in board.active_plugins(wait_for="projector")
    assert board.get("/plugin/projector/runs") == ["validation"]
    [embedding] = board.get("/plugin/projector/info", run="validation")["embeddings"]
    name = embedding["tensorName"]
    _, val_ds = load_dataset(  # the held-out split as `train` made it: same seed, same order
        "digits", pixel_range=(0, 1), seed=0, validation_split=0.1, subset="both"
    )
    images = np.concatenate([x.numpy() for x, _ in val_ds])
    labels = np.concatenate([y.numpy() for _, y in val_ds])
    assert len(images) == 179  # the digits that hash into the 10% held out of 1,797
    assert embedding["tensorShape"] == [179, 2]  # one 2-d code per held-out image
    served = np.frombuffer(
        board.get("/plugin/projector/tensor", run="validation", name=name), np.float32
    ).reshape(179, 2)
    model = load_model(workdir / "model.keras")  # the codes are those of the last epoch
    np.testing.assert_allclose(served, model.encode_latent(images), atol=1e-5)
    metadata = board.get("/plugin/projector/metadata", run="validation", name=name)
    assert metadata.decode().split() == [str(y) for y in labels]
    sprite = tf.io.decode_png(
        board.get("/plugin/projector/sprite_image", run="validation", name=name)
    ).numpy()
    assert sprite.shape == (14 * 8, 14 * 8, 1)  # 179 tiles of 8x8 in a 14x14 grid

    above = Board(root)  # `tensorboard --logdir runs`: the same run, by its path
    assert above.get("/runs") == ["vae/logs/train", "vae/logs/validation"]
    assert "projector" in above.active_plugins(wait_for="projector")
    assert above.get("/plugin/projector/runs") == ["vae/logs/validation"]


def test_hparams_lists_the_settings_and_the_final_metrics_of_the_resumed_run(vae_run, board):
    _, _, result = vae_run
    [group] = board.session_groups()
    assert [session["name"] for session in group["sessions"]] == ["train"]
    hparams = group["hparams"]
    assert hparams["model"] == "vae" and hparams["data"] == "digits"
    assert hparams["latent_dim"] == 2 and hparams["widths"] == "[16]"
    assert hparams["batch_size"] == 64 and hparams["validation_split"] == 0.1
    final = metric_values(group)
    last = result.record.last_logs  # the second run's epoch (step 1), as committed
    for name in ("loss", "kl_loss", "val_loss", "val_reconstruction_loss"):
        assert final[f"final/{name}"] == (pytest.approx(last[name], rel=1e-6), 1), name
    assert final["epoch_loss"] == (pytest.approx(last["loss"], rel=1e-6), 1)


def test_custom_scalars_chart_the_losses_of_both_splits(board):
    layout = board.get("/plugin/custom_scalars/layout")
    assert layout["category"] == [
        {
            "title": "losses",
            "chart": [
                {
                    "title": "kl_loss, loss and reconstruction_loss",
                    "multiline": {"tag": ["^epoch_(kl_loss|loss|reconstruction_loss)$"]},
                }
            ],
            "closed": False,
        }
    ]
    [regex] = layout["category"][0]["chart"][0]["multiline"]["tag"]
    for run in ("train", "validation"):  # what the chart asks for, one request per run
        lines = board.get("/plugin/custom_scalars/scalars", run=run, tag=regex)
        assert lines["regex_valid"]
        assert set(lines["tag_to_events"]) == {
            "epoch_kl_loss",
            "epoch_loss",
            "epoch_reconstruction_loss",
        }
        assert all(len(events) == 2 for events in lines["tag_to_events"].values())
