"""Progress of a long command on stderr, in the form whoever reads it can use:

- a terminal: a tqdm progress bar;
- an Open Job Description session (AWS Deadline Cloud's workers, `openjd run`): the
  `openjd_progress: <percent>` and `openjd_status: <text>` lines the session parses into the
  task's progress and status (detected by OPENJD_SESSION_WORKING_DIR, which every session sets
  for the processes it runs);
- anything else (a farm's log, CI, a pipe): a plain line at the start, at each tenth done and
  at the end, `colorizing: 30% (6/20 frames)`: at most 11 lines whatever the frame count, so a
  farm log shows the task advancing without being flooded.

`quiet_lines()` (the CLI's -q) turns all of it off, and with it the command's informational
lines (`informing()`); warnings and errors are never silenced.
"""
import contextlib
import os
import sys

from tqdm import tqdm

OPENJD_SESSION = "OPENJD_SESSION_WORKING_DIR"

# Set only for the span of one command (quiet_lines): a host calling the render job directly,
# with no command line, always gets its progress and lines.
_quiet = False


@contextlib.contextmanager
def quiet_lines(quiet=True):
    """While active (and `quiet`), progress_bar() gives None and informing() is False."""
    global _quiet
    before, _quiet = _quiet, bool(quiet)
    try:
        yield
    finally:
        _quiet = before


def informing():
    """False under quiet_lines(): informational lines (what was written, what was found) are
    left out; warnings, errors and output a command was asked for are printed regardless."""
    return not _quiet


def progress_bar(total, label):
    """An object with update(n) and close() reporting `total` frames on stderr (see the module
    docstring for the form), or None when there is nothing to count or the command is quiet."""
    if total <= 0 or _quiet:
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
    """Progress as lines: plain ones at the start and at each tenth reached (at most 11 for any
    job); in an OpenJD session one `openjd_progress` line per whole percent (at most 101), which
    the session reads as the task's progress rather than showing it as log."""

    def __init__(self, total, label, openjd=False, stream=None):
        self.total, self.label, self.openjd = total, label, openjd
        self.stream = stream or sys.stderr
        self.done = 0
        self._step = None
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
        step = percent if self.openjd else percent // 10
        if step == self._step:
            return
        self._step = step
        if self.openjd:
            self._say(f"openjd_progress: {100 * self.done / self.total:.1f}")
        else:
            self._say(f"{self.label}: {percent}% ({self.done}/{self.total} frames)")

    def _say(self, line):
        print(line, file=self.stream, flush=True)
