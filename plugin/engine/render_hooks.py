"""A host's progress and cancel hooks for one `ColorizeNode.render` call.

A render replays each contributing run from its nearest kept state, one run step (one network
and motion step) at a time; a deep frame of a long shot is hundreds of steps. The hooks see that
work step by step: `progress(done, total)` after each step (and once before the first), `cancel`
checked before each step. A cancel raises RenderCancelled between two steps, so every state
made so far is kept and the node stays usable: the next render of any frame goes on from there.
"""


class RenderCancelled(Exception):
    """ColorizeNode.render stopped by its cancel hook between two run steps (the node keeps
    every state made so far and can render again)."""


def cancel_test(cancel):
    """callable() -> bool from `cancel`: None (never), an object with `is_set()` (a
    threading.Event or alike), or a callable returning a bool."""
    if cancel is None:
        return lambda: False
    if callable(getattr(cancel, "is_set", None)):
        return cancel.is_set
    if callable(cancel):
        return cancel
    raise TypeError(f"cancel must be None, an Event-like object with is_set() or a callable, "
                    f"got {type(cancel).__name__}")


class RenderHooks:
    """Counts one render's run steps for `progress` (callable(done, total) or None) and asks
    `cancel` (see cancel_test) before each."""

    def __init__(self, progress=None, cancel=None):
        if progress is not None and not callable(progress):
            raise TypeError(f"progress must be None or a callable(done, total), got {type(progress).__name__}")
        self._progress = progress
        self._cancelled = cancel_test(cancel)
        self.done = 0
        self.total = 0

    def begin(self, total):
        """The render needs `total` run steps (0: its result is kept)."""
        self.total = int(total)
        self._report()

    def before_step(self, frame):
        """Raise RenderCancelled when the cancel hook says so (frame: the one asked for)."""
        if self._cancelled():
            raise RenderCancelled(f"render of frame {frame} cancelled after {self.done} of {self.total} "
                                  "run steps (the steps made are kept)")

    def after_step(self):
        self.done += 1
        self._report()

    def _report(self):
        if self._progress is not None:
            self._progress(self.done, self.total)
