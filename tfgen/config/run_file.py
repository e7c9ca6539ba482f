"""A run's config file (`tfgen train MODEL --config run.yaml`): run options plus model settings.

The file (YAML, or JSON for a .json name) holds one mapping:

    data: digits            # run options: the command line's flags, spelled with underscores
    epochs: 20
    batch_size: 64
    settings:               # the model's settings (or `hparams:`), as `--set` takes them
      latent_dim: 64
      g_widths: [256, 128, 64]

Run options are the keys of `RunOptions`; an optional `model:` must name the model being
trained. On the command line `--set` overrides `settings:`, and explicit flags override the
file's run options.
"""

import dataclasses
import json
from pathlib import Path

from tfgen.config.settings import Settings, choice, flag, integer, integers, number, text
from tfgen.errors import InputError

PRECISIONS = ("float32", "mixed_float16", "mixed_bfloat16")
STRATEGIES = ("auto", "one_device", "mirrored", "multi_worker")
SETTINGS_KEYS = ("settings", "hparams")


@dataclasses.dataclass(frozen=True)
class RunOptions(Settings):
    """A run's options as a config file gives them; None (the default) leaves an option to the
    command line or its default."""

    none_means = "unset"

    data: str = text(None, "the data source (as --data)")
    epochs: int = integer(None, "total epochs")
    batch_size: int = integer(None, "global batch size (default: 64)")
    workdir: str = text(None, "the run's folder (default: runs/MODEL)")
    seed: int = integer(
        None, "seeds initialisation, data order and noise (default: 0)", minimum=None
    )
    max_seconds: float = number(None, "stop cleanly after this wall-clock time", above=0)
    early_stopping: int = integer(None, "patience, in epochs, of early stopping")
    validation_split: float = number(None, "fraction held out", at_least=0, below=1)
    monitor: bool = flag(None, "GANs: the training-health monitor (default: true)")
    classes: tuple = integers(None, "keep only these labels", minimum=0)
    image_size: tuple = integers(None, "resize images to [H, W]", length=2)
    channels: int = integer(None, "convert images to 1 or 3 channels")
    skip_errors: bool = flag(None, "skip unreadable image files")
    precision: str = choice(None, PRECISIONS, "compute precision (default: float32)")
    strategy: str = choice(None, STRATEGIES, "distribution strategy (default: auto)")
    jit: bool = flag(None, "XLA-compile the training step (default: Keras's auto)")
    deterministic: bool = flag(None, "bit-for-bit reproducible training")

    def check(self):
        super().check()
        if self.channels not in (None, 1, 3):
            raise InputError(f"channels must be 1 or 3. Received: channels={self.channels!r}")


@dataclasses.dataclass(frozen=True)
class RunFile:
    """What a config file gave: `run` (the run options it sets, validated) and `settings`
    (raw model settings, validated later against the model's options)."""

    path: Path
    run: dict
    settings: dict


def load_run_file(path, model=None):
    """Reads and checks a run's config file.

    Args:
        path: a .yaml/.yml or .json file.
        model: the model being trained; a `model:` key in the file must name it.

    Returns:
        RunFile.

    Raises:
        InputError: a missing or unparsable file, a top level that is not a mapping, an
            unknown key or a bad run option; the message names the file.
    """
    path = Path(path)
    if not path.is_file():
        raise InputError(f"{path}: no such config file.")
    content = _parse(path)
    if not isinstance(content, dict):
        raise InputError(
            f"{path}: a config file holds a mapping of run options and settings:. "
            f"Received: a {type(content).__name__}"
        )
    content = dict(content)
    named = content.pop("model", None)
    if model is not None and named is not None and named != model:
        raise InputError(f"{path}: the file is for model {named!r}, not {model!r}.")
    given = [key for key in SETTINGS_KEYS if key in content]
    if len(given) > 1:
        raise InputError(f"{path}: give model settings under settings: or hparams:, not both.")
    settings = content.pop(given[0]) if given else {}
    if settings is None:
        settings = {}
    if not isinstance(settings, dict):
        raise InputError(
            f"{path}: {given[0]}: must be a mapping of setting names to values. "
            f"Received: {settings!r}"
        )
    unknown = sorted(set(content) - set(RunOptions.names()), key=str)
    if unknown:
        accepted = ["model", *SETTINGS_KEYS, *RunOptions.names()]
        raise InputError(f"{path}: unknown key(s) {unknown}; accepted: {', '.join(accepted)}")
    try:
        options = RunOptions(**content)
    except InputError as e:
        raise InputError(f"{path}: {e}") from None
    run = {k: v for k, v in options.to_dict().items() if k in content and v is not None}
    return RunFile(path, run, settings)


def _parse(path):
    raw = path.read_text()
    if path.suffix == ".json":
        try:
            return json.loads(raw)
        except json.JSONDecodeError as e:
            raise InputError(f"{path}: not valid JSON ({e}).") from None
    import yaml  # only when a config file is given: `tfgen train --help` stays fast

    try:
        return yaml.safe_load(raw)
    except yaml.YAMLError as e:
        detail = " ".join(str(e).split())
        raise InputError(f"{path}: not valid YAML ({detail}).") from None
