"""Screenshots of what TensorBoard shows for tfgen runs, taken by headless Chromium.

Trains a tiny VAE (with its validation split) and a tiny DCGAN on the bundled 8x8 digits with
`tfgen train`, runs the `tensorboard --logdir ...` command each of them prints, and saves one
PNG per tab: SCALARS, IMAGES, HPARAMS, CUSTOM SCALARS and PROJECTOR (the VAE's codes) or the
health signals (the GAN's). A last pair shows TensorBoard over the folder holding both runs
(HPARAMS lists both, the projector still finds the VAE's codes).

Needs Chromium (`apt-get install chromium`; `--chromium` names another binary). About five
minutes on 2 CPU cores.

    python tools/tensorboard_screenshots.py --out runs/tensorboard_screenshots
"""

import argparse
import contextlib
import json
import os
import re
import shlex
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

# 8-d codes: the projector's default 3-d PCA view draws nothing for 2-d ones (NaN variance)
TINY = {
    "vae": ["--set", "architecture=dense", "--set", "widths=64", "--set", "latent_dim=8"],
    "dcgan": ["--set", "g_widths=32,16,8", "--set", "d_widths=8,16", "--set", "latent_dim=8"],
}
COMMON = {  # the file name of each screenshot: the dashboard's URL fragment
    "scalars": "scalars",
    "images": "images",
    "hparams": "hparams",
    "custom_scalars": "custom_scalars",
}
SHOTS = {
    "vae": {**COMMON, "projector": "projector"},
    "dcgan": {**COMMON, "health": "scalars&tagFilter=health"},  # the monitor's signals
    "both": {"hparams": "hparams", "projector": "projector"},  # a folder above both runs
}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default="runs/tensorboard_screenshots", help="PNG folder")
    parser.add_argument("--runs", help="folder for the two trainings (default: a temporary one)")
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--chromium", default=shutil.which("chromium") or "chromium")
    parser.add_argument("--wait-ms", type=int, default=20_000, help="virtual time per page")
    args = parser.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    with contextlib.ExitStack() as stack:
        runs = Path(args.runs or stack.enter_context(tempfile.TemporaryDirectory()))
        commands = {model: train(model, runs / model, args.epochs) for model in TINY}
        commands["both"] = f"tensorboard --logdir {runs}"
        for name, command in commands.items():
            with tensorboard(command) as url:
                for shot, fragment in SHOTS[name].items():
                    shoot(args, f"{url}/#{fragment}", out / f"{name}_{shot}.png")
    print(f"screenshots in {out}")


def train(model, workdir, epochs):
    """Runs `tfgen train` and returns the TensorBoard command it prints."""
    argv = [sys.executable, "-m", "tfgen.cli.app", "train", model, "--data", "digits"]
    argv += ["--epochs", str(epochs), "--workdir", str(workdir), *TINY[model]]
    result = subprocess.run(argv, capture_output=True, text=True, check=True)
    command = re.search(r"^TensorBoard: (.+)$", result.stdout, re.MULTILINE).group(1)
    print(f"{model}: {command}")
    return command


@contextlib.contextmanager
def tensorboard(command):
    """Runs `command` (`tensorboard --logdir ...`, as tfgen prints it) on a free port on
    127.0.0.1 and yields its URL once its runs and the projector's data are loaded."""
    port = free_port()
    program, *rest = shlex.split(command)
    binary = Path(sys.executable).parent / program  # the venv's tensorboard
    argv = [str(binary if binary.exists() else program), *rest, "--port", str(port)]
    server = subprocess.Popen(
        [*argv, "--host", "127.0.0.1"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"},
    )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until_loaded(url)
        yield url
    finally:
        server.terminate()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


def wait_until_loaded(url, timeout=120):
    """Until the runs are listed and the plugins' listing stops changing (the projector
    finds out whether it has data in a thread that a listing request starts)."""
    deadline, last = time.monotonic() + timeout, None
    while time.monotonic() < deadline:
        try:
            runs = get_json(f"{url}/data/runs")
            listing = get_json(f"{url}/data/plugins_listing")
        except OSError:  # not serving yet
            time.sleep(1)
            continue
        active = sorted(name for name, plugin in listing.items() if plugin["enabled"])
        if runs and (runs, active) == last:
            return
        last = (runs, active)
        time.sleep(3)
    raise TimeoutError(f"TensorBoard at {url} did not load within {timeout} s")


def get_json(url):
    with urllib.request.urlopen(url, timeout=10) as response:
        return json.loads(response.read())


def shoot(args, url, path):
    """Saves a screenshot of the page at `url` (TensorBoard is a JS app: it gets `--wait-ms`
    of virtual time to fetch its data and draw)."""
    argv = [
        args.chromium,
        "--headless",
        "--no-sandbox",  # root in a container
        "--hide-scrollbars",
        "--enable-unsafe-swiftshader",  # software WebGL for the projector's 3-d view
        "--window-size=1400,1000",
        f"--virtual-time-budget={args.wait_ms}",
        f"--screenshot={path}",
        url,
    ]
    subprocess.run(argv, capture_output=True, check=True, timeout=300)
    print(f"  {path}")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


if __name__ == "__main__":
    main()
