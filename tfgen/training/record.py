"""The run record: what a training run is and how far it got, committed with its checkpoint.

Design: the record lives *inside* the checkpoint. Each epoch, `EpochCheckpoint` saves the model
to a temporary `.keras` file, appends the record to that zip archive as `tfgen_run.json`, and
only then renames the file onto `model.keras` (`tfgen.utils.io.atomic_path`). One rename
publishes the weights, both optimizers and the epoch count together, so no kill can leave a
checkpoint of epoch N beside a record of epoch N-1 (which made a resumed run train an epoch
twice while reporting the requested count). A run that `max_seconds` stops mid-epoch is
committed the same way, its record saying how many steps of the next epoch the weights hold
(`steps`, with the metric state at that step), so the resumed run trains from the next step
rather than counting the partial epoch as done. Keras's loader reads the entries it knows by name
(`config.json`, `metadata.json`, `model.weights.h5`, assets) and ignores others; a test
reloads such an archive. The record also travels with the file: a copied `model.keras` still
says which data, split and seed it was trained on.

`train_state.json` beside it is a derived, human-readable copy written after the rename (and
rewritten from the archive when a run reopens the folder); nothing trusts it over the archive.
It is read only for a `.keras` file written before records were embedded. Early stopping's
`best.keras` is a copy of the improving epoch's committed checkpoint, made after the commit, so
it carries the record of the epoch it holds.

Numbered checkpoints with the state file as the single commit point would work too, but need
garbage collection of old checkpoints, and `model.keras` stays the one path every other
command (`sample`, `export`, `evaluate`) takes.
"""

import json
import zipfile
from dataclasses import MISSING, asdict, dataclass, field, fields, replace
from pathlib import Path

from tfgen.errors import InputError
from tfgen.utils.io import write_json_atomic

RECORD_ENTRY = "tfgen_run.json"  # the record's name inside the .keras zip archive
STATE_COPY = "train_state.json"  # the derived copy beside the checkpoint
FORMAT = 1  # a record at an epoch boundary
MID_EPOCH_FORMAT = 2  # a record `steps` into an epoch: a tfgen reading only format 1 would
# resume it at the epoch's start and train those steps twice, so it refuses it instead
READABLE = MID_EPOCH_FORMAT  # the newest format this tfgen reads


@dataclass(frozen=True)
class RunRecord:
    """The facts of one training run and its progress, as of its latest checkpoint.

    Attributes:
        model: the model's catalogue name ("dcgan").
        data: the data source string, as given to `train`.
        hparams: the model settings given (JSON values; fixed once the run starts).
        settings: every setting of the model as resolved (the given ones and the defaults),
            empty in records written before it was kept.
        batch_size: the global batch size.
        seed: the run's seed (initialisation, split, shuffle, noise).
        validation_split: the fraction held out, or None.
        data_options: the options passed to `tfgen.data.load_dataset`.
        runtime: `tfgen.runtime.Runtime.to_dict()` (precision, strategy, jit, determinism).
        tfgen_version: the version that wrote the record.
        epochs: epochs completed, i.e. in the checkpoint holding this record.
        steps: steps of the next epoch also trained (`max_seconds` stopped the run
            mid-epoch); 0 at an epoch boundary. A resumed run trains from that step on.
        metric_state: {metric name: its variables' values} at `steps` steps into that
            epoch, so the resumed epoch's logged means cover all its steps; empty at an
            epoch boundary.
        last_logs: the last completed epoch's logs.
        early_stopping: `tfgen.callbacks.EarlyStopping.state()`, or None.
        skipped_files: one "path: reason" line per file (or record) that `skip_errors`
            skipped, when the source was indexed or when the run read it.
        format: the record's layout version.
    """

    model: str
    data: str
    hparams: dict
    batch_size: int
    seed: int
    validation_split: float | None
    data_options: dict
    runtime: dict
    tfgen_version: str
    settings: dict = field(default_factory=dict)
    epochs: int = 0
    steps: int = 0
    metric_state: dict = field(default_factory=dict)
    last_logs: dict = field(default_factory=dict)
    early_stopping: dict | None = None
    skipped_files: list = field(default_factory=list)
    format: int = FORMAT

    def after_epoch(self, epochs, logs, early_stopping=None, skipped_files=None):
        """This record once `epochs` epochs are done with `logs` (and the stopper's state, and
        the files skipped so far; None keeps the recorded ones)."""
        return replace(
            self,
            epochs=epochs,
            steps=0,
            metric_state={},
            last_logs={k: float(v) for k, v in (logs or {}).items()},
            early_stopping=early_stopping,
            skipped_files=self.skipped_files if skipped_files is None else list(skipped_files),
            format=FORMAT,
        )

    def mid_epoch(self, steps, metric_state, skipped_files=None):
        """This record once `steps` steps of the epoch after `epochs` are also done, with the
        model's metric state at that step; the last finished epoch's logs and the early
        stopper's state stay."""
        return replace(
            self,
            steps=steps,
            metric_state=metric_state,
            skipped_files=self.skipped_files if skipped_files is None else list(skipped_files),
            format=MID_EPOCH_FORMAT,
        )

    def to_dict(self):
        return asdict(self)

    @classmethod
    def from_dict(cls, values, source):
        """A record from its JSON form; `source` names where it came from, for errors.

        Raises:
            InputError: not a mapping, missing fields, or a newer format.
        """
        if not isinstance(values, dict):
            raise InputError(f"{source}: unreadable run record (expected a JSON object).")
        if values.get("format", FORMAT) > READABLE:
            raise InputError(
                f"{source}: the run record has format {values['format']}, newer than this "
                f"tfgen reads ({READABLE}); upgrade tfgen."
            )
        names = {f.name for f in fields(cls)}
        required = {f.name for f in fields(cls) if f.default is f.default_factory is MISSING}
        missing = sorted(required - set(values))
        if missing:
            raise InputError(f"{source}: unreadable run record (missing {missing}).")
        return cls(**{k: v for k, v in values.items() if k in names})

    # ---- the one writer -------------------------------------------------------------------

    def write_into(self, archive):
        """Appends this record to the `.keras` zip `archive` (a temporary file not yet
        published: the caller's atomic rename commits model and record together)."""
        with zipfile.ZipFile(archive, "a") as z:
            z.writestr(RECORD_ENTRY, _json(self.to_dict()))

    def write_copy(self, path):
        """Writes the derived, human-readable `train_state.json` (atomically)."""
        write_json_atomic(path, self.to_dict())


def _json(values):
    return json.dumps(values, indent=2, sort_keys=True) + "\n"


# ---- the one reader ---------------------------------------------------------------------------


def read_record(model_path):
    """The record of the run that saved `model_path`, or None when there is no such file.

    Reads the record embedded in the archive; for a `.keras` file without one (saved before
    records were embedded, or by plain Keras) the `train_state.json` beside it, else None.

    Raises:
        InputError: the file or its record cannot be read; the message names the file.
    """
    path = Path(model_path)
    if not path.is_file():
        return None
    try:
        with zipfile.ZipFile(path) as z:
            raw = z.read(RECORD_ENTRY) if RECORD_ENTRY in z.namelist() else None
    except (zipfile.BadZipFile, OSError) as e:
        raise InputError(f"{path}: unreadable checkpoint, not a .keras archive ({e}).") from e
    if raw is None:
        return _read_copy(path.parent / STATE_COPY)
    return RunRecord.from_dict(_parse(raw, f"{path} ({RECORD_ENTRY})"), str(path))


def _read_copy(path):
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return None
    return RunRecord.from_dict(_parse(raw, path), str(path))


def _parse(raw, source):
    try:
        return json.loads(raw)
    except (json.JSONDecodeError, UnicodeDecodeError) as e:
        raise InputError(f"{source}: unreadable run record ({e}).") from e
