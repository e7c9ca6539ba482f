"""Names the streamed examples that tf.data could not decode, after the fact.

tf.data decodes a streamed folder or TFRecord source while `fit` runs. A file whose header is
fine but whose body is corrupt, or whose size differs, fails there: TensorFlow's error does not
name it ("Invalid PNG"), and with `skip_errors` tf.data's `ignore_errors` drops it
without a word. A `ReadLog` given to `load_dataset(read_log=...)` says which examples failed:

- Marks (the default): the decode map sets `state[i]` to READING before it reads example i
  and to READ once the image decoded and passed the size check, in one int8 vector on the
  host CPU. Two scatter updates per example; no pass over the data of its own, nothing before
  the first step. An example left READING failed (at its latest read: a file that goes bad
  after the first epoch of uncached data counts too), or was still in flight when the log was
  asked; only those are re-read, in Python, and kept when they really fail, with the reason.
- A scan (`mark=False`), for op determinism (`--deterministic`): there, one stateful op in any
  map makes tf.data run every map of the pipeline serially, so there are no marks; the first
  question decodes the run's examples once (in parallel, carrying each index, dropping
  failures) and re-reads the examples that did not come through.

Both name exactly the examples the stream dropped; only the cost differs.

Example:
    log = ReadLog()
    ds = load_dataset("photos/", skip_errors=True, read_log=log)
    for batch in ds:
        ...
    log.failed()  # ("photos/b/7.png: not a decodable PNG/JPEG/BMP/GIF image (...).",)
"""

import numpy as np
import tensorflow as tf

from tfgen.data.folder import report_skipped
from tfgen.errors import InputError

READING, READ = 1, 2  # an example's marks (0: not read yet)


class ReadLog:
    """Which examples of one streamed `load_dataset` call failed to decode (see the module).

    Args:
        mark: mark each example as it is read; False finds failures with one decode pass
            instead (for op determinism, under which marks would make tf.data serial).
    """

    def __init__(self, mark=True):
        self.mark = mark
        self._source = None  # set by `bind`: a non-streamed source leaves the log empty
        self._failures = {}  # example index -> (line, advice)
        self._logged = set()
        self._scanned = False

    def bind(self, source, indices, count, check, scan, *, skip_errors, noun):
        """Called by `tfgen.data.streaming.stream_parts` for the source it streams (not by
        users: a log serves the one dataset it is given to).

        Args:
            indices: the example indices the datasets read (every part).
            count: the number of examples of the source (the marks' length).
            check: index -> ("where: reason", advice) when the example fails to decode, else
                None (Python, the same checks as the stream's).
            scan: () -> the indices that decode (the pass `mark=False` makes).
            noun: what the examples are, for the log ("image file(s)", "record(s)").
        """
        if self._source is not None:
            raise InputError(
                "read_log is already recording another dataset; pass a new "
                f"tfgen.data.ReadLog() to each load_dataset call. Received: a ReadLog of "
                f"{self._source}"
            )
        self._source, self._indices, self._check, self._scan = source, indices, check, scan
        self._skip_errors, self._noun = skip_errors, noun
        if self.mark:
            with tf.device("/CPU:0"):  # beside tf.data, also on a machine with a GPU
                self._state = tf.Variable(tf.zeros([count], tf.int8), trainable=False)

    def watch(self, i, decode):
        """`decode()` (the image of example `i`) with example `i` marked around it; in a map."""
        if self._source is None or not self.mark:
            return decode()
        with tf.control_dependencies([_set(self._state, i, READING)]):
            image = decode()
        with tf.control_dependencies([image]):  # only once it decoded and passed the checks
            done = _set(self._state, i, READ)
        with tf.control_dependencies([done]):
            return tf.identity(image)

    def failed(self):
        """The examples that failed to decode so far, one "where: reason" line each, in index
        order."""
        return tuple(line for _, (line, _) in self._found())

    def explain(self, error):
        """An `InputError` naming the first example that failed, when `error` (raised while
        reading the dataset) came from a decode failure, else None. With `skip_errors`
        failures are dropped, not raised, so an error is never blamed on them."""
        if self._source is None or self._skip_errors:
            return None
        found = self._found()
        if not found:
            return None
        line, advice = found[0][1]
        return InputError(f"{line} {advice}")

    def report(self):
        """With `skip_errors`: logs the failures not logged yet (as the index pass logs the
        files it skips) and returns every failure line so far; else ()."""
        if self._source is None or not self._skip_errors:
            return ()
        found = self._found()
        new = [line for i, (line, _) in found if i not in self._logged]
        self._logged.update(i for i, _ in found)
        kept = len(self._indices) - len(found)
        report_skipped(self._source, new, kept=kept, total=len(self._indices), noun=self._noun)
        return tuple(line for _, (line, _) in found)

    def _found(self):
        """[(index, (line, advice))] of the failures, the suspects checked first."""
        for i in self._suspects():
            if i not in self._failures:
                problem = self._check(int(i))
                if problem is not None:
                    self._failures[int(i)] = problem
        return sorted(self._failures.items())

    def _suspects(self):
        if self._source is None:
            return []
        if self.mark:  # failed at its latest read, or in flight
            return np.flatnonzero(self._state.numpy() == READING)
        if self._scanned:  # the scan saw every example: its failures are all known
            return []
        self._scanned = True
        return np.setdiff1d(self._indices, self._scan())


def _set(state, i, value):
    return state.scatter_nd_update(tf.reshape(i, [1, 1]), tf.constant([value], tf.int8))
