"""Overlap reading and writing with the network: frames are decoded ahead of the node and
written behind it on background threads, so a render costs max(read, compute, write) per frame
instead of their sum.

Decoders (PyAV), OpenImageIO and ONNX Runtime release the GIL while they work, so plain threads
overlap. Neither class changes what is rendered: the same frames reach the node and the same
pixels reach the files, only earlier or later (tests compare the bytes).
"""
from __future__ import annotations

import collections
import concurrent.futures
import itertools

# Frames decoded ahead: enough to cover a slow frame (a keyframe at the start of a GOP), small
# enough to bound memory (3 x 4K float32 RGB = 300 MB).
DEFAULT_READ_AHEAD = 3
# Writes in flight before the renderer waits: at 1080p a PNG takes longer than a network step on
# a GPU, so several encode at once on a multi-core host.
DEFAULT_WRITERS = 2


class ReadAhead:
    """A frame source (callable frame -> pixels) that reads the next planned frames on one
    background thread. One thread, so readers that are not thread-safe (a video decoder) are
    only ever used from it.

    read: callable(frame) -> pixels; depth: frames read ahead (0 reads on demand, in the
    caller's thread). `plan(frames)` gives the order in which frames will be asked for; asking
    for an unplanned frame reads it at once. A read error is raised when that frame is asked
    for, never earlier (a corrupt frame past the range stops nothing).
    """

    def __init__(self, read, depth=DEFAULT_READ_AHEAD):
        if not isinstance(depth, int) or depth < 0:
            raise ValueError(f"read-ahead depth must be a non-negative integer, got {depth!r}")
        self._read = read
        self.depth = depth
        self._pool = concurrent.futures.ThreadPoolExecutor(1, "excolor-read") if depth else None
        self._pending = collections.OrderedDict()  # frame -> Future, in submission order
        self._upcoming = collections.deque()

    def plan(self, frames):
        """Frames in the order they will be asked for; replaces any earlier plan."""
        self._upcoming = collections.deque(frames)
        for frame in [f for f in self._pending if f not in self._upcoming]:
            self._pending.pop(frame).cancel()
        self._top_up()

    def __call__(self, frame):
        if self._pool is None:
            return self._read(frame)
        while self._upcoming and self._upcoming[0] != frame and frame in self._upcoming:
            skipped = self._pending.pop(self._upcoming.popleft(), None)  # not wanted any more
            if skipped is not None:
                skipped.cancel()
        if self._upcoming and self._upcoming[0] == frame:
            self._upcoming.popleft()
        future = self._pending.pop(frame, None) or self._pool.submit(self._read, frame)
        self._top_up()
        return future.result()

    def _top_up(self):
        if self._pool is None:  # reading on demand (depth 0, or closed)
            return
        for frame in itertools.islice(self._upcoming, self.depth):  # not a copy of the whole plan
            if frame not in self._pending:
                self._pending[frame] = self._pool.submit(self._read, frame)

    def close(self):
        """Drop what was read ahead and stop the thread (waits for a read in progress): from
        then on frames are read on demand in the caller's thread, so `read` is used by no other
        thread afterwards (a render job's encode and contact sheet read INPUT themselves)."""
        for future in self._pending.values():
            future.cancel()
        self._pending.clear()
        self._upcoming.clear()
        if self._pool is not None:
            self._pool.shutdown(wait=True)
            self._pool = None


class WriteBehind:
    """Runs `write(frame, image)` calls on background threads, at most `limit` in flight.

    write: the (thread-safe for distinct frames) writer; then: called with the frame number on
    the writer thread after its write succeeded (e.g. marking it done: a frame counts as done
    only once its file is whole). workers: 0 writes in the caller's thread.

    The first failed write's error is raised from the next `submit` or from `flush`; after a
    failure nothing more is submitted. `flush()` waits for every write in flight.
    """

    def __init__(self, write, then=None, workers=DEFAULT_WRITERS, limit=None):
        if not isinstance(workers, int) or workers < 0:
            raise ValueError(f"writer threads must be a non-negative integer, got {workers!r}")
        self._write = write
        self._then = then
        self._pool = concurrent.futures.ThreadPoolExecutor(workers, "excolor-write") if workers else None
        self._limit = limit or 2 * max(workers, 1)
        self._in_flight = collections.deque()

    def _job(self, frame, image):
        self._write(frame, image)
        if self._then is not None:
            self._then(frame)

    def submit(self, frame, image):
        if self._pool is None:
            self._job(frame, image)
            return
        self._reap(block=len(self._in_flight) >= self._limit)
        self._in_flight.append(self._pool.submit(self._job, frame, image))

    def call(self, function):
        """Run `function()` on a writer thread like a write: after the writes submitted before
        it have started, waited for by `flush`, its failure raised like theirs."""
        if self._pool is None:
            function()
            return
        self._reap(block=len(self._in_flight) >= self._limit)
        self._in_flight.append(self._pool.submit(function))

    def _reap(self, block):
        """Collect finished writes (waiting for the oldest if `block`); re-raise a failure."""
        while self._in_flight and (block or self._in_flight[0].done()):
            self._in_flight.popleft().result()
            block = False

    def flush(self):
        """Wait for every write in flight; raises the first failure among them."""
        error = None
        while self._in_flight:
            try:
                self._in_flight.popleft().result()
            except BaseException as failure:  # keep waiting: no write may be left half-done
                error = error or failure
        if error is not None:
            raise error

    def close(self):
        try:
            self.flush()
        finally:
            if self._pool is not None:
                self._pool.shutdown(wait=True)
