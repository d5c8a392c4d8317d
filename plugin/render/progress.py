"""Progress of a long command on stderr, in the form whoever reads it can use:

- a terminal: a tqdm progress bar;
- an Open Job Description session (AWS Deadline Cloud's workers, `openjd run`): the
  `openjd_progress: <percent>` and `openjd_status: <text>` lines the session parses into the
  task's progress and status (detected by OPENJD_SESSION_WORKING_DIR, which every session sets
  for the processes it runs);
- anything else (a farm's log, CI, a pipe): a plain line at each whole percent,
  `colorizing: 25% (4/16 frames)`.
"""
import os
import sys

from tqdm import tqdm

OPENJD_SESSION = "OPENJD_SESSION_WORKING_DIR"


def progress_bar(total, label):
    """An object with update(n) and close() reporting `total` frames on stderr (see the module
    docstring for the form), or None when there is nothing to count."""
    if total <= 0:
        return None
    if not sys.stderr.isatty():
        return LineProgress(total, label, openjd=OPENJD_SESSION in os.environ)
    try:
        size = os.get_terminal_size(sys.stderr.fileno())
    except OSError:
        size = os.terminal_size((0, 0))
    # Pseudo-terminals may report 0x0, with which tqdm draws nothing at all.
    return tqdm(total=total, desc=label, unit="frame", file=sys.stderr,
                ncols=size.columns or 80, nrows=size.lines or 24)


class LineProgress:
    """Progress as one line per whole percent reached (at most 101 lines for any job)."""

    def __init__(self, total, label, openjd=False, stream=None):
        self.total, self.label, self.openjd = total, label, openjd
        self.stream = stream or sys.stderr
        self.done = 0
        self._percent = None
        if openjd:
            self._say(f"openjd_status: {label} {total} frame(s)")
        self._report()

    def update(self, count=1):
        self.done += count
        self._report()

    def close(self):
        if self.openjd and self.done >= self.total:
            self._say(f"openjd_status: {self.label}: done, {self.done} frame(s)")

    def _report(self):
        percent = 100 * self.done // self.total
        if percent == self._percent:
            return
        self._percent = percent
        if self.openjd:
            self._say(f"openjd_progress: {100 * self.done / self.total:.1f}")
        else:
            self._say(f"{self.label}: {percent}% ({self.done}/{self.total} frames)")

    def _say(self, line):
        print(line, file=self.stream, flush=True)
