"""Training runs: data + model + callbacks + `fit`, resumable from a work folder.

A work folder holds `model.keras` (the latest checkpoint with its run record inside, rewritten
atomically each epoch, and at the step where `max_seconds` stops a run mid-epoch; see
`tfgen.training.record`), `train_state.json` (a readable copy of the
record), `logs/` for TensorBoard and `.tfgen.lock`. A run holds an exclusive lock on the folder
for its whole life, so a second run on it stops at once; once it holds the lock it removes the
temporary files killed runs left. Running `train` again on the same folder resumes from the
checkpoint up to `epochs`; from a mid-epoch checkpoint it first finishes that epoch from the
next step (`tfgen.callbacks.ResumeMidEpoch`).

Bad data found while training: a streamed file that fails to decode only when tf.data reads
it (a corrupt body, another size) is named in an `InputError` (exit status 2 on the command
line, see `tfgen.data.read_log`), not left as TensorFlow's traceback. The folder keeps what
the run saved: `locked_folder` removes a folder it created only when nothing but its lock is
in it, so a run that committed a checkpoint stays, and the same command resumes from it once
the data is fixed (or with `skip_errors`). With `skip_errors`, the files skipped as they are
read are logged and recorded (`RunRecord.skipped_files`) at each epoch end.
"""

import contextlib
import sys
import time
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import keras
import numpy as np
import tensorflow as tf

import tfgen
from tfgen.callbacks import (
    BudgetSpent,
    EarlyStopping,
    EpochCheckpoint,
    HParamsSummary,
    ImageSummaries,
    LatentProjector,
    NaNGuard,
    ResumeMidEpoch,
    ScalarsLayout,
    TimeBudget,
    TrainingDiverged,
    TrainingHealthMonitor,
)
from tfgen.callbacks.checkpoint import copy_best
from tfgen.data import ReadLog, is_cached, load_dataset
from tfgen.errors import InputError
from tfgen.models import (
    MODELS,
    build_model,
    get_spec,
    hparam_defaults,
    load_model,
    resolve_settings,
)
from tfgen.runtime import Runtime, start_runtime, worker_role
from tfgen.training.record import STATE_COPY, RunRecord, read_record
from tfgen.utils.io import locked_folder, remove_stale_temporaries

DEFAULT = "default"
TRAIN_RUN, VALIDATION_RUN = "train", "validation"  # the run folders Keras's TensorBoard writes


@dataclass(frozen=True)
class RunPaths:
    """The files of a run's work folder."""

    workdir: Path

    @property
    def model(self):
        return self.workdir / "model.keras"

    @property
    def state(self):
        return self.workdir / STATE_COPY  # derived copy; the record is inside `model`

    @property
    def logs(self):
        return self.workdir / "logs"

    @property
    def best(self):
        return self.workdir / "best.keras"  # early stopping's best epoch


@dataclass
class TrainResult:
    """What a run produced: the model, where it lives, and how training went."""

    model: keras.Model
    paths: RunPaths
    epochs: int
    seconds: float
    history: dict = field(default_factory=dict)
    stopped_by: str | None = None  # "max_seconds", "early_stopping", "already_trained" or None
    steps: int = 0  # steps of epoch `epochs + 1` also done: max_seconds stopped it mid-epoch
    record: RunRecord | None = None  # the run record committed with the final checkpoint


def train(
    model_name,
    data,
    *,
    epochs,
    workdir,
    batch_size=64,
    hparams=None,
    max_seconds=None,
    seed=0,
    validation_split=DEFAULT,
    monitor=True,
    verbose="auto",
    runtime=None,
    early_stopping=None,
    **data_options,
):
    """Trains model `model_name` on `data` for `epochs` epochs in total, resuming if possible.

    Args:
        model_name: a key of `tfgen.models.MODELS` ("dcgan", "vae").
        data: a data source string (see `tfgen.data.load_dataset`).
        epochs: total epochs; a resumed run continues from the epochs already done.
        workdir: the run's folder (checkpoint, state, TensorBoard logs).
        hparams: model hyperparameters (see `tfgen.models.hparam_defaults(model_name)`);
            fixed once a run has started.
        max_seconds: stop at the first step boundary after this much wall-clock time
            (checked after every step), saving the model; mid-epoch, the checkpoint records
            the step, and a resumed run finishes that epoch from the next step, ending with
            the weights an uninterrupted run has.
        seed: seeds weight initialisation, the data split and shuffle, and the model's noise.
        validation_split: fraction held out for validation; "default" uses the model's own
            default (0.1 for autoencoders, none for GANs).
        monitor: for adversarial models, run the `TrainingHealthMonitor` (D winning outright,
            mode collapse, diverging losses).
        runtime: a `tfgen.runtime.Runtime` (precision, strategy, XLA, determinism); fixed
            once a run has started. `batch_size` is the global batch across all replicas.
        early_stopping: stop once the validation loss has not improved for this many epochs,
            ending with the best epoch's weights (also kept in `best.keras`); a resumed run
            continues the count, and a stopped run stays stopped. Only for models that log a
            validation loss (not the GAN family), with a validation split.
        **data_options: passed to `tfgen.data.load_dataset`: image_size, channels, classes,
            skip_errors, tfds_data_dir. Recorded with the run, so evaluation can rebuild the
            same held-out split.

    Returns:
        TrainResult.

    Raises:
        InputError: bad arguments, unreadable data (also a streamed file that fails to
            decode while training reads it: named, the last checkpoint kept), a workdir
            holding a different run or an unreadable run record, or a workdir in use by
            another process (named by PID).
        TrainingDiverged: a loss became NaN/inf; the last good checkpoint is kept.
    """
    spec = get_spec(model_name)
    _check_budget(epochs, max_seconds)
    _check_early_stopping(early_stopping)
    _check_data_options(data_options)
    runtime = runtime or Runtime()
    if max_seconds and runtime.strategy == "multi_worker":
        raise InputError(
            "max_seconds cannot be combined with strategy multi_worker: each worker's clock "
            "would stop it at a different step and leave the others waiting. Use epochs."
        )
    split = spec.validation_split if validation_split == DEFAULT else validation_split
    _check_validation_loss(model_name, spec, early_stopping, split)
    chief, task = worker_role() if runtime.strategy == "multi_worker" else (True, None)
    # every worker saves (Keras's rule), but only the chief into the run's own folder; each
    # worker locks its own folder, so no two processes ever wait on one another's lock
    paths = RunPaths(Path(workdir) if chief else Path(workdir) / "workers" / task)
    hparams = dict(hparams or {})
    if "seed" in hparam_defaults(model_name):
        hparams.setdefault("seed", seed)
    settings = resolve_settings(model_name, hparams)  # refuses a bad value before any work
    hparams = {k: settings[k] for k in hparams}  # as given, normalised (8.0 -> 8)
    fresh = RunRecord(
        model=model_name,
        data=data,
        hparams=hparams,
        settings=settings,
        batch_size=batch_size,
        seed=seed,
        validation_split=split,
        data_options=data_options,
        runtime=runtime.to_dict(),
        tfgen_version=tfgen.__version__,
    )
    with locked_folder(paths.workdir):  # before anything reads or writes the folder
        remove_stale_temporaries(paths.workdir)  # ours, now that no one else writes here
        saved = _open_record(paths, fresh, runtime)
        return _train_in(
            paths,
            spec,
            fresh,
            saved,
            epochs=epochs,
            runtime=runtime,
            early_stopping=early_stopping,
            max_seconds=max_seconds,
            monitor=monitor and chief,
            chief=chief,
            verbose=verbose,
        )


def _open_record(paths, fresh, runtime):
    """The record of the run already in `paths` (checked to be the same run), or None.

    The record is read from inside the checkpoint, and the derived `train_state.json` is
    rewritten from it: a kill after the checkpoint's rename left that copy an epoch behind.
    """
    if not paths.model.exists():
        return None
    saved = read_record(paths.model)
    if saved is None:
        raise InputError(
            f"{paths.model} holds no tfgen run record (neither inside it nor a "
            f"{paths.state.name} beside it), so it cannot be resumed. Use another --workdir."
        )
    _check_same_run(saved, fresh.model, fresh.hparams, paths.workdir, runtime)
    saved.write_copy(paths.state)
    return saved


def _train_in(
    paths,
    spec,
    fresh,
    saved,
    *,
    epochs,
    runtime,
    early_stopping,
    max_seconds,
    monitor,
    chief,
    verbose,
):
    """`train`'s work once it holds the folder's lock: data, model, callbacks, `fit`."""
    strategy = start_runtime(runtime, fresh.seed)
    read_log = ReadLog(mark=not runtime.deterministic)  # marks would make tf.data serial
    train_ds, val_ds, info = _datasets(fresh, spec, read_log)
    done = saved.epochs if saved else 0
    steps = saved.steps if saved else 0  # of epoch done + 1, when a budget stopped it there
    image_shape = _images(train_ds.element_spec).shape[1:]
    with strategy.scope():  # the variables live on the strategy's devices
        model = (
            load_model(paths.model)
            if saved
            else build_model(
                fresh.model, image_shape, num_classes=info.num_classes, **fresh.hparams
            )
        )
    if runtime.jit is not None:
        model.jit_compile = runtime.jit
    if runtime.strategy == "multi_worker":
        _work_around_keras_multi_worker(model)
    stopping_state = saved.early_stopping if saved else None
    best_saved = stopping_state and stopping_state["best_epoch"] == done and not steps
    if best_saved and not stopping_state["stopped"]:
        copy_best(paths.model, paths.best)  # the checkpoint is the best epoch (not steps past
        # it): a kill may have come between its commit and the copy (idempotent otherwise)
    if stopping_state and stopping_state["stopped"]:
        return TrainResult(model, paths, done, 0.0, stopped_by="early_stopping", record=saved)
    if done >= epochs:
        return TrainResult(
            model, paths, done, 0.0, stopped_by="already_trained", steps=steps, record=saved
        )
    stopper = (
        EarlyStopping(early_stopping, paths.best, stopping_state, save_best=False)
        if early_stopping
        else None
    )  # its best file is copied from each improving epoch's committed checkpoint
    # the given facts, with the progress of the run being resumed
    record = fresh.after_epoch(done, saved.last_logs, stopping_state) if saved else fresh
    budget = (
        TimeBudget(max_seconds, resumed_at=(done, steps) if steps else None)
        if max_seconds
        else None
    )

    def skipped():  # the index pass's skips, and those found as the run reads the files
        return [*info.skipped, *read_log.report()]

    with _naming_bad_files(read_log, paths):  # tf.data decodes streamed files from here on
        preview = _preview(val_ds if val_ds is not None else train_ds)
        _replay_shuffles(train_ds, done)
        callbacks = _callbacks(
            model, paths, preview, budget, stopper, record, skipped, monitor, chief
        )
        if steps:  # first: its metric state is restored before any other epoch-begin hook
            callbacks.insert(0, ResumeMidEpoch(done, steps, saved.metric_state))
        start = time.monotonic()
        history = _fit(model, train_ds, val_ds, epochs, done, callbacks, verbose, paths)
    committed = callbacks[-1].record  # the EpochCheckpoint's: what model.keras now holds
    return TrainResult(
        model,
        paths,
        committed.epochs,
        time.monotonic() - start,
        history={k: [float(v) for v in vs] for k, vs in history.history.items()},
        stopped_by=_stop_reason(stopper, budget),
        steps=committed.steps,
        record=committed,
    )


@contextlib.contextmanager
def _naming_bad_files(read_log, paths):
    """Turns the TensorFlow error of a streamed file that fails to decode while the run reads
    it (in `fit`, at any epoch) into an `InputError` naming the file, and says what the
    folder keeps: the last checkpoint stays, and the same command resumes from it."""
    try:
        yield
    except tf.errors.OpError as e:
        error = read_log.explain(e)
        if error is None:
            raise
        record = read_record(paths.model)
        kept = (
            f" {paths.model} keeps the {record.epochs} finished epoch(s)"
            f"{f' and {record.steps} step(s) of the next' if record.steps else ''}; "
            "run again to resume."
            if record
            else ""
        )
        raise InputError(f"{error}{kept}") from e


def _stop_reason(stopper, budget):
    if stopper and stopper.stopped:
        return "early_stopping"
    if budget and budget.stopped:
        return "max_seconds"
    return None


def _callbacks(model, paths, preview, budget, stopper, record, skipped, monitor, chief):
    """The run's callbacks, in an order that matters: the NaN guard before the checkpoint,
    early stopping (which restores the best weights) just before it. Only the chief of a
    multi-worker run writes TensorBoard logs. `skipped` lists the files skipped so far, for
    the record of each checkpoint."""
    images, labels = preview
    callbacks = [
        NaNGuard(),  # first: a diverged step must never reach the checkpoint
        *([budget] if budget else []),
    ]
    if chief:
        callbacks += _tensorboard_callbacks(model, paths, preview, record)
    if monitor and model.can_discriminate and model.can_sample:
        callbacks.append(TrainingHealthMonitor(paths.logs / TRAIN_RUN, images, labels))
    checkpoint = EpochCheckpoint(paths.model, paths.state, record, stopper, skipped)
    return [*callbacks, *([stopper] if stopper else []), checkpoint]  # last: see `_train_in`


def _tensorboard_callbacks(model, paths, preview, record):
    """Keras's TensorBoard and tfgen's views, all in Keras's run folders so that
    `tensorboard --logdir <workdir>/logs` shows one run per split: `train` (scalars, a GAN's
    samples, the health signals, the settings and final metrics, the loss charts) and, with
    a validation split, `validation` (its scalars; an autoencoder's reconstructions and
    latent codes of the held-out preview batch)."""
    images, labels = preview
    train_run = paths.logs / TRAIN_RUN
    # the preview batch comes from the validation split when there is one; a GAN's samples
    # come from fixed seeds, so they belong to training whatever the batch
    shows_batch = model.can_encode or model.can_classify
    preview_run = paths.logs / (VALIDATION_RUN if record.validation_split else TRAIN_RUN)
    callbacks = [
        keras.callbacks.TensorBoard(log_dir=str(paths.logs)),
        ImageSummaries(preview_run if shows_batch else train_run, batch=images),
        HParamsSummary(train_run, _run_hparams(record)),
        ScalarsLayout(train_run),
    ]
    if model.can_encode:
        callbacks.append(LatentProjector(preview_run, images, labels))
    return callbacks


def _run_hparams(record):
    """The HPARAMS tab's settings of a run: what it trained, on what, and how."""
    return {
        "model": record.model,
        "data": record.data,
        "batch_size": record.batch_size,
        "seed": record.seed,
        "validation_split": record.validation_split or 0.0,
        "precision": record.runtime.get("precision", "float32"),
        **record.settings,
    }


def _fit(model, train_ds, val_ds, epochs, done, callbacks, verbose, paths):
    """`model.fit` with the run's callbacks (the `EpochCheckpoint` last); a time budget spent
    mid-epoch commits the model at that step. Returns the `History`."""
    if verbose == "auto":  # one line per epoch in logs, a live progress bar in a terminal
        verbose = 1 if sys.stdout.isatty() else 2
    history = keras.callbacks.History()  # ours: `fit` returns none when the budget stops it
    try:
        with warnings.catch_warnings():
            # a dataset of unknown length (files skipped as read) ends its first epoch with
            # Keras's "ran out of data; interrupting training", though training goes on
            warnings.filterwarnings("ignore", "Your input ran out of data", UserWarning)
            model.fit(
                train_ds,
                validation_data=val_ds,
                epochs=epochs,
                initial_epoch=done,
                callbacks=[*callbacks, history],
                shuffle=False,
                verbose=verbose,
            )
    except BudgetSpent as stop:
        callbacks[-1].save_mid_epoch(stop.epoch, stop.steps)
        _end_training(callbacks, verbose)
    except TrainingDiverged as e:
        kept = (
            f"the last good checkpoint is {paths.model}"
            if paths.model.exists()
            else "no checkpoint was written"
        )
        raise TrainingDiverged(f"{e}; {kept}.") from e
    finally:
        for callback in callbacks:
            if isinstance(callback, ResumeMidEpoch):
                callback.restore()  # `fit`'s train function, whatever ended it
    return history


def _end_training(callbacks, verbose):
    """What `fit` does at its end, for a `fit` that `BudgetSpent` ended mid-epoch: each
    callback's `on_train_end` (TensorBoard's writers are closed, so flushed)."""
    if verbose == 1:
        print()  # end the progress bar's line
    for callback in callbacks:
        callback.on_train_end()


def _check_budget(epochs, max_seconds):
    if not isinstance(epochs, int) or epochs < 1:
        raise InputError(f"epochs must be a positive integer. Received: epochs={epochs!r}")
    if max_seconds is not None and not max_seconds > 0:
        raise InputError(f"max_seconds must be > 0. Received: max_seconds={max_seconds!r}")


def _check_early_stopping(patience):
    if patience is not None and (not isinstance(patience, int) or patience < 1):
        raise InputError(
            f"early_stopping must be a positive number of epochs. Received: {patience!r}"
        )


def _datasets(record, spec, read_log):
    """(training, validation or None, info) of the run's data, as `record` describes it."""
    common = dict(
        batch_size=record.batch_size,
        pixel_range=spec.pixel_range,
        seed=record.seed,
        drop_remainder=spec.drop_remainder,
        read_log=read_log,
        return_info=True,
        **record.data_options,
    )
    split = record.validation_split
    if not split:
        train_ds, info = load_dataset(record.data, **common)
        return train_ds, None, info
    (train_ds, val_ds), info = load_dataset(
        record.data, validation_split=split, subset="both", **common
    )
    return train_ds, val_ds, info


DATA_OPTIONS = ("image_size", "channels", "classes", "skip_errors", "tfds_data_dir")


def _check_data_options(options):
    unknown = sorted(set(options) - set(DATA_OPTIONS))
    if unknown:
        raise InputError(f"unknown data option(s) {unknown}; accepted: {list(DATA_OPTIONS)}")


PREVIEW_EXAMPLES = 512  # the fixed batch behind TensorBoard's images and projector


def _preview(ds):
    """Up to PREVIEW_EXAMPLES images (and labels, or None) from the start of `ds`.

    A cached dataset is read to the end: stopping early would discard its partial cache (with
    a warning), and a full pass fills the cache the first epoch would fill anyway. Any other
    dataset (a large folder streamed from disk) is read only as far as the preview needs, so
    the first step does not wait for a pass over every file.
    """
    images, labels = [], []
    complete = is_cached(ds)
    for element in ds:
        if sum(len(x) for x in images) < PREVIEW_EXAMPLES:
            images.append(_images(element).numpy())
            if isinstance(element, tuple):
                labels.append(element[1].numpy())
        elif not complete:
            break
    images = np.concatenate(images)[:PREVIEW_EXAMPLES]
    return images, np.concatenate(labels)[:PREVIEW_EXAMPLES] if labels else None


def _work_around_keras_multi_worker(model):
    """Keras 3's `fit` fails under MultiWorkerMirroredStrategy (keras-team/keras#20585):

    - before training it all-reduces a data batch eagerly to build the model symbolically,
      which collective ops refuse. tfgen models are built at construction and compile no
      Keras losses or metrics, so that build has nothing to do: it is skipped.
    - it averages each step's logs across workers with `reduce(MEAN, axis=0)`, which fails on
      scalars: the steps return each log as a 1-element vector instead.
    """
    model._maybe_symbolic_build = lambda iterator=None, data_batch=None: None
    for name in ("train_step", "test_step"):
        step = getattr(model, name)
        setattr(model, name, lambda data, step=step: tf.nest.map_structure(_as_vector, step(data)))


def _as_vector(value):
    return tf.reshape(value, [1])


def _replay_shuffles(ds, epochs):
    """Advances `ds`'s seeded reshuffling as far as `epochs` finished epochs of `fit` did, so
    a resumed run sees the batches an uninterrupted one would.

    Each new iterator draws the next permutation. Keras 3's epoch iterator starts one at each
    epoch's start, and for a dataset of known length a spare one at its end; a dataset of
    unknown length ends every epoch by running out, with no spare (measured on Keras 3.15).
    Resume tests guard both counts (tests/test_resilience.py, tests/training/
    test_time_budget.py).
    """
    known_length = int(tf.data.experimental.cardinality(ds)) >= 0
    for _ in range(2 * epochs if known_length else epochs):
        next(iter(ds))


def _images(element):
    """The images of a dataset element or spec: (images, labels) or images alone."""
    return element[0] if isinstance(element, tuple) else element


def run_record_of(model_path):
    """The `RunRecord` of the run that saved `model_path`, or None (see `read_record`)."""
    return read_record(model_path)


def run_state_of(model_path):
    """The run record of `model_path` as a JSON-ready dict (e.g. for export metadata), or None.

    Raises:
        InputError: the record cannot be read; the message names the file.
    """
    record = read_record(model_path)
    return record.to_dict() if record else None


def _check_same_run(record, model_name, hparams, workdir, runtime):
    if record.model != model_name:
        raise InputError(
            f"{workdir} holds a {record.model!r} run; resuming it as {model_name!r} is not "
            "possible. Use another --workdir."
        )
    saved = record.settings or record.hparams  # every resolved setting, where recorded
    changed = {k: (saved.get(k), v) for k, v in hparams.items() if saved.get(k) != v}
    saved_precision = record.runtime.get("precision", "float32")
    if saved_precision != runtime.precision:  # the layers' dtype policies are saved with them
        changed["precision"] = (saved_precision, runtime.precision)
    if changed:
        raise InputError(
            f"{workdir} holds a run with other hyperparameters {changed} (saved, given); "
            "hyperparameters are fixed once a run starts. Use another --workdir."
        )


def _reports_validation_loss(spec):
    """Whether the model's held-out step reports its objective as "loss" (so `fit` logs
    "val_loss"): the autoencoders, vae, vaegan and classifier do; the adversarial-only models
    (the GANs) report d_loss and g_loss, no single objective to minimise.

    Read from the catalogue: exactly the models held out by default are those (a contract test
    trains one step of every model to guard this).
    """
    return spec.validation_split is not None


def _check_validation_loss(model_name, spec, patience, split):
    """Early stopping needs a validation loss: a model that logs one and a split to log it on.
    Checked from the catalogue, before the folder is locked or any data loaded."""
    if patience is None:
        return
    if not _reports_validation_loss(spec):
        able = sorted(name for name, s in MODELS.items() if _reports_validation_loss(s))
        raise InputError(
            f"early_stopping watches the validation loss (val_loss), but {model_name} logs "
            "none: its held-out step reports the discriminator's and generator's losses, not "
            f"one objective to minimise. early_stopping expects one of {able} with a "
            f"validation split. Received: early_stopping={patience}, model={model_name!r}."
        )
    if not split:
        raise InputError(
            "early_stopping watches the validation loss, but this run has no validation "
            f"split. Received: early_stopping={patience}, validation_split={split!r}."
        )
