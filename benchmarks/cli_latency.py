"""Wall time of the commands that should answer at once: `tfgen --help`, `--version`,
`pipeline list` and argument errors of several verbs, each in a fresh process (median of
--repeats), with the CPU time the process used, whether TensorFlow loaded (it must not) and
the one error line.

    .venv/bin/python -m benchmarks.cli_latency [--repeats 3]

The floor is the interpreter itself (`python -c pass`), printed first. Target: under 2 s each.
On a loaded machine wall time is mostly waiting for a core; the CPU column is what the
command itself costs.
"""

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

# (label, argv); run in a scratch folder holding m.keras (a zip, not a model) and a_file
COMMANDS = [
    ("help", ["--help"]),
    ("version", ["--version"]),
    ("pipeline list", ["pipeline", "list"]),
    ("train: missing data path", ["train", "dcgan", "--data", "/nope", "--epochs", "1"]),
    (
        "train: unknown --set key",
        ["train", "dcgan", "--data", "digits", "--epochs", "1", "--set", "bogus=1"],
    ),  # fmt: skip
    ("sample: missing model file", ["sample", "--model", "nope.keras", "--out", "x.png"]),
    ("export: unsafe --name", ["export", "--model", "m.keras", "--name", "../x"]),
    (
        "evaluate: bad --noise",
        ["evaluate", "--model", "m.keras", "--json", "r.json", "--noise", "blur:1"],
    ),  # fmt: skip
    ("generate: --out exists", ["generate", "--model", "m.keras", "--n", "4", "--out", "a_file"]),
    ("pipeline run: unknown name", ["pipeline", "run", "nope"]),
    ("pipeline run: unknown --set", ["pipeline", "run", "vae_digits", "--set", "trainer.x=1"]),
]

# runs the command as the console script does, then says whether TensorFlow was imported
RUNNER = (
    "import sys\nfrom tfgen.cli import main\ntry:\n    main(sys.argv[1:])\n"
    'except SystemExit:\n    pass\nsys.__stdout__.write(f\'\\ntensorflow={"tensorflow" in '
    "sys.modules}\\n')\n"
)


def time_command(argv, cwd, repeats):
    """(median wall seconds, median CPU seconds, TensorFlow loaded?, last stderr line) of
    `argv` in fresh processes."""
    env = {k: v for k, v in os.environ.items() if k != "TF_CPP_MIN_LOG_LEVEL"}
    runs = [_timed([sys.executable, "-c", RUNNER, *argv], cwd, env) for _ in range(repeats)]
    result = runs[-1][2]
    lines = result.stderr.strip().splitlines()
    return (
        statistics.median(wall for wall, _, _ in runs),
        statistics.median(cpu for _, cpu, _ in runs),
        "tensorflow=True" in result.stdout,
        lines[-1] if lines else "",
    )


def _timed(argv, cwd, env=None):
    """(wall seconds, CPU seconds of the child, CompletedProcess)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    result = subprocess.run(argv, capture_output=True, text=True, cwd=cwd, env=env)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu, result


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3, help="processes per command")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        with zipfile.ZipFile(Path(scratch) / "m.keras", "w") as archive:
            archive.writestr("config.json", "{}")
        (Path(scratch) / "a_file").write_text("")
        floor = [_timed([sys.executable, "-c", "pass"], scratch) for _ in range(args.repeats)]
        print(f"{'command':32s} {'wall':>7s} {'CPU':>7s}")
        wall, cpu = (statistics.median(run[i] for run in floor) for i in (0, 1))
        print(f"{'python -c pass (the floor)':32s} {wall:6.2f}s {cpu:6.2f}s")
        for label, argv in COMMANDS:
            wall, cpu, loaded, line = time_command(argv, scratch, args.repeats)
            tf_note = "TENSORFLOW LOADED" if loaded else "no TF"
            print(f"{label:32s} {wall:6.2f}s {cpu:6.2f}s  {tf_note:5s}  {line[:100]}")


if __name__ == "__main__":
    main()
