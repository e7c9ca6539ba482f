"""The README's commands run in the order shown from a fresh clone: every model file, exported
model and shell variable a command uses is made by an earlier command (a static read of the
README's bash blocks; the commands themselves are exercised by the CLI and pipeline tests)."""

import re
import shlex
from pathlib import Path

README = Path(__file__).resolve().parents[1] / "README.md"
# commands shown for another machine (a cluster, a cloud runner), not for this checkout
ELSEWHERE = (
    "TF_CONFIG=",
    "--runner DataflowRunner",
    "--runner FlinkRunner",
    "--runner SparkRunner",
)
SHELL_VARIABLES = {"PWD", "HOME"}


def bash_commands(text):
    """The README's top-level ```bash blocks, as one command per (continued) line, in order."""
    commands = []
    for block in re.findall(r"^```bash\n(.*?)^```", text, flags=re.S | re.M):
        for line in block.replace("\\\n", " ").splitlines():
            line = line.split(" #")[0].strip()
            if line and not line.startswith("#"):
                commands.append(line)
    return commands


def option(words, name):
    return words[words.index(name) + 1] if name in words else None


def missing_inputs(commands):
    """What each command uses that no earlier command made, as 'command: thing' lines."""
    made = {"runs/pipeline_root"}  # the set-up's main job
    variables = set(SHELL_VARIABLES)
    missing = []
    for command in commands:
        if any(marker in command for marker in ELSEWHERE):
            continue
        if re.fullmatch(r"[A-Z_]+=\S+", command):
            variables.add(command.split("=")[0])
            continue
        used_variables = set(re.findall(r"\$([A-Z_]+)", command))
        missing += [f"{command}: ${v}" for v in sorted(used_variables - variables)]
        words = shlex.split(command)
        if words[0] != "tfgen":
            continue
        model = option(words, "--model")
        if model and model.endswith("/model.keras") and model[: -len("/model.keras")] not in made:
            missing.append(f"{command}: {model}")
        features = option(words, "--features") or ""
        if features.startswith("classifier:") and features.split(":", 1)[1] not in made:
            missing.append(f"{command}: {features}")
        if words[1] == "train":
            made.add(option(words, "--workdir") or f"runs/{words[2]}")
        if words[1] == "export":
            made.add(f"saved_models/{option(words, '--name')}")
        if words[1] in ("generate", "sample"):
            made.add(option(words, "--out").rstrip("/"))
        for glob in (w for w in words if "*" in w):  # files an earlier command made
            folder = glob.rsplit("/", 1)[0]
            if not any(folder == m or folder.startswith(f"{m}/") for m in made):
                missing.append(f"{command}: {folder}")
    return missing


def test_every_readme_command_uses_only_what_an_earlier_command_made():
    commands = bash_commands(README.read_text())
    assert len(commands) > 30, "the README's commands were not found"
    assert missing_inputs(commands) == []


def test_the_check_catches_a_model_no_command_trains():
    commands = [
        "M=../shared/data/mnist",
        "tfgen train dcgan --data $M --epochs 1 --workdir runs/a",
        "tfgen sample --model runs/a/model.keras --n 8 --out a.png",
        "tfgen sample --model runs/b/model.keras --n 8 --out b.png",
        "tfgen detect --model runs/a/model.keras --real $X synthetic/3/*.png",
    ]
    assert missing_inputs(commands) == [
        "tfgen sample --model runs/b/model.keras --n 8 --out b.png: runs/b/model.keras",
        "tfgen detect --model runs/a/model.keras --real $X synthetic/3/*.png: $X",
        "tfgen detect --model runs/a/model.keras --real $X synthetic/3/*.png: synthetic/3",
    ]
