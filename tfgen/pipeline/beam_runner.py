"""Apache Beam for the data stages (ExampleGen, StatisticsGen), as TFX runs them: the same
pipeline on one machine (DirectRunner) or a cluster (Dataflow, Flink, Spark), chosen by
pipeline options.

`beam_args` are Beam's own command-line flags, passed through unchanged:
    ["--direct_num_workers=2", "--direct_running_mode=multi_processing"]  # 2 local processes
    ["--runner=DataflowRunner", "--project=P", "--region=R", "--temp_location=gs://B/tmp",
     "--sdk_container_image=IMAGE"]  # IMAGE: an image with tfgen installed
Unknown flags are refused (Beam itself would drop them with a log line).
"""

import difflib
import importlib
import json
import logging
import shutil
import uuid
from pathlib import Path

from tfgen.errors import InputError


def _import_beam_quietly():
    """apache_beam, without the warnings its import logs about Google Cloud clients that are
    not installed (BigQuery's apitools; they matter only to BigQuery IO), and without the
    root handler that warning would install."""
    root, handlers = logging.getLogger(), list(logging.getLogger().handlers)
    drop = logging.Filter("apache_beam")  # passes Beam's own loggers, drops root's records
    logging.getLogger("apache_beam").setLevel(logging.WARNING)
    root.addFilter(drop)
    try:
        return importlib.import_module("apache_beam")
    finally:
        root.removeFilter(drop)
        root.handlers[:] = handlers


beam = _import_beam_quietly()
PipelineOptions = beam.options.pipeline_options.PipelineOptions

OPTIONS_REFERENCE = (
    "https://beam.apache.org/releases/pydoc/current/apache_beam.options.pipeline_options.html"
)
# workers log at WARNING too (each would log its start and stop at INFO)
DEFAULT_ARGS = (
    "--runner=DirectRunner",
    "--direct_num_workers=1",
    "--default_sdk_harness_log_level=WARNING",
)


def workers_args(workers):
    """The DirectRunner flags for `workers` local processes (1: in this process)."""
    if workers == 1:
        return ["--direct_num_workers=1", "--direct_running_mode=in_memory"]
    return [f"--direct_num_workers={workers}", "--direct_running_mode=multi_processing"]


def pipeline_options(beam_args=()):
    """PipelineOptions from `beam_args` over DEFAULT_ARGS (later flags win).

    Raises:
        InputError: `beam_args` is not a list of "--flag=value" strings, or holds a flag no
            Beam runner knows.
    """
    if isinstance(beam_args, str) or not all(
        isinstance(a, str) and a.startswith("--") for a in beam_args
    ):
        raise InputError(
            f"beam_args must be a list of Beam flags such as '--direct_num_workers=2'. "
            f"Received: {beam_args!r}"
        )
    options = PipelineOptions([*DEFAULT_ARGS, *beam_args])
    checker = logging.getLogger("apache_beam.options.pipeline_options")
    level = checker.level
    checker.setLevel(logging.ERROR)  # it would log "Discarding unparseable args" for each
    try:
        known = options.get_all_options(retain_unknown_options=False)
        every = options.get_all_options(retain_unknown_options=True)
    finally:
        checker.setLevel(level)
    unknown = sorted(set(every) - set(known))
    if unknown:
        hints = [m for u in unknown for m in difflib.get_close_matches(u, known, n=1)]
        hint = f" (did you mean {', '.join('--' + h for h in hints)}?)" if hints else ""
        raise InputError(
            f"unknown Beam pipeline option(s) {['--' + u for u in unknown]} in beam_args{hint}; "
            f"the options Beam knows: {OPTIONS_REFERENCE}"
        )
    return options


def run(build, beam_args=()):
    """Builds a pipeline with `build(pipeline)` and runs it to completion."""
    options = pipeline_options(beam_args)
    with beam.Pipeline(options=options) as pipeline:
        build(pipeline)


class Results:
    """Small results (counts, statistics) a pipeline hands back to the code that ran it, as
    JSON lines under `folder`: `write` inside the pipeline, `read` after it has run."""

    def __init__(self, folder):
        self.folder = Path(folder) / f".beam-results-{uuid.uuid4().hex[:8]}"

    def write(self, pcoll, name):
        """Writes a PCollection of one JSON-able value as `name`."""
        return (
            pcoll
            | f"{name}ToJson" >> beam.Map(json.dumps, sort_keys=True)
            | f"Write{name}" >> beam.io.WriteToText(str(self.folder / name), shard_name_template="")
        )

    def read(self, name):
        lines = (self.folder / name).read_text().splitlines()
        return json.loads(lines[0]) if lines else None

    def remove(self):
        shutil.rmtree(self.folder, ignore_errors=True)
