"""The log of a local pipeline run: everything `kfp.local` prints (its own log lines, each
stage's executor input JSON, the stage's own output) goes to one file, and only one line per
stage reaches the terminal.

kfp.local 2.16 has no option for where its output goes: each task logs through the root
logger to a handler on `sys.stdout` that it installs per task, and echoes the stage's
subprocess (stdout and stderr merged) with `print`. Both resolve `sys.stdout` when they
write, so redirecting it for the run captures all of it. Its own lines (`HH:MM:SS.mmm -
LEVEL - ...`, unindented; the stages' output is indented) mark where each stage starts and
ends.
"""

import collections
import io
import re
import time

ANSI = re.compile(r"\x1b\[[0-9;]*m")  # kfp colours task names and statuses
_KFP_LINE = r"^\d\d:\d\d:\d\d\.\d{3} - [A-Z]+ - "
STARTED = re.compile(_KFP_LINE + r"Executing task '(?P<task>[^']+)'")
FINISHED = re.compile(
    _KFP_LINE + r"Task '(?P<task>[^']+)' finished with status (?P<status>SUCCESS|FAILURE)"
)
TAIL_LINES = 40  # of a failed stage's output, shown in the terminal


class RunLog(io.TextIOBase):
    """A text stream that writes to `file`, echoes to `echo` (if given), and calls
    `on_stage(task, status, seconds, tail)` when kfp reports a stage finished.

    `tail` is the last TAIL_LINES lines the stage printed (its traceback, when it failed).

    Example:
        with open(path, "w") as file, contextlib.redirect_stdout(RunLog(file, on_stage)):
            pipeline()
    """

    encoding = "utf-8"  # what code that writes to sys.stdout may ask

    def __init__(self, file, on_stage, echo=None):
        self.file, self.on_stage, self.echo = file, on_stage, echo
        self.task, self.started = None, None
        self.tail = collections.deque(maxlen=TAIL_LINES)
        self._partial = ""

    def writable(self):
        return True

    def write(self, text):
        self.file.write(text)
        if self.echo is not None:
            self.echo.write(text)
        *lines, self._partial = (self._partial + text).split("\n")
        for line in lines:
            self._read(ANSI.sub("", line))
        return len(text)

    def flush(self):
        self.file.flush()
        if self.echo is not None:
            self.echo.flush()

    def _read(self, line):
        started, finished = STARTED.match(line), FINISHED.match(line)
        if started:
            self.task, self.started = started["task"], time.monotonic()
            self.tail.clear()
        elif finished and finished["task"] == self.task:
            self.flush()
            seconds = time.monotonic() - self.started
            self.on_stage(self.task, finished["status"], seconds, list(self.tail))
            self.task = None
        elif self.task is not None and line.strip():
            self.tail.append(line[4:] if line.startswith("    ") else line)  # kfp's indent
