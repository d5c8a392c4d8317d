"""Batch and farm rendering: drive a ColorizeNode's runs over a frame range, resumably.

The node's runs (excolor.engine.runs) are the unit of work: each run is stepped in its direction from
its initial state, or from a saved state (`.excolor/`, excolor.render.workspace). A frame made by one
run is composed and written at once; a frame two runs blend is written by whichever run passes
it second, the first run's result waiting in `.excolor/`. States are saved every `state_every`
frames and at the last frame a run renders in this chunk (and when interrupted), so

- a rerun after a kill replays from the latest state and skips finished frames; replays are
  deterministic, so the output equals a one-go render byte for byte;
- `--frames A-B` (a farm chunk) continues a FORWARD run from its state at A-1 and a BACKWARD
  run from its state at B+1, or reports the chunk it waits for (exit code 6).

A Batch only schedules: what a frame is written to is its target (excolor.render.targets).
"""
import dataclasses
import logging

from ..engine.runs import direction_word
from ..engine.state import RunState
from ..errors import StateError
from .overlap import DEFAULT_WRITERS, WriteBehind

log = logging.getLogger(__name__)


@dataclasses.dataclass(frozen=True)
class BatchReport:
    """What one batch did: frames written, frames already done, runs that wait for a chunk, and
    the FrameResults of the frames it was asked to keep ({frame: FrameResult})."""

    written: tuple
    already_done: tuple
    waiting: tuple  # messages, one per run that could not start
    kept: dict


def runs_in_range(node, first, last, directions):
    """The node's runs that cross first..last in `directions`, shot by shot (a Batch's order)."""
    for index, shot in enumerate(node.shots):
        if shot.last < first or shot.first > last:
            continue
        for run in node.runs(index):
            if run.direction in directions:
                yield run


def contributes(node, run, frame):
    """True when `run`'s result is part of `frame` (alone, or blended with another run's)."""
    return any(r.name == run.name for r, _ in node.contributions(frame))


def delivery_order(node, first, last, directions):
    """The frames a fresh Batch over first..last delivers, in the order it delivers them: each
    run's frames in its direction, runs in `runs_in_range` order (a frame two runs blend appears
    twice). directions: FORWARD and/or BACKWARD (excolor.engine.runs)."""
    return [f for run in runs_in_range(node, first, last, directions)
            for f in run.frames() if first <= f <= last and contributes(node, run, f)]


class Batch:
    """Renders the frames `frames` (a FrameRange) of a node's shots into `target`, using
    `workspace`.

    node: a ColorizeNode with `shots` set, whose `source` is `reads`: a ReadAhead
    (excolor.render.overlap) the batch tells which frames it will pull next, so they are decoded
    ahead of the node. target: has exists(frame) and write(frame, FrameResult), thread-safe for
    distinct frames (excolor.render.targets). directions: the runs' directions to render, FORWARD
    and/or BACKWARD. keep: frames whose FrameResult the report keeps (a contact sheet's).
    writers: writer threads behind the node (excolor.render.overlap); with a ReadAhead of depth 0,
    0 renders strictly in turn (the benchmark's 'serial' case).
    """

    def __init__(self, node, target, workspace, frames, reads, *, directions, state_every=10, preroll=0,
                 keep=(), writers=DEFAULT_WRITERS):
        if state_every < 1:
            raise ValueError(f"state_every must be >= 1, got {state_every}")
        if preroll < 0:
            raise ValueError(f"preroll must be >= 0, got {preroll}")
        # preroll > 0: independent chunks. A run that crosses into the chunk starts fresh
        # `preroll` frames before it instead of from a saved state; such states are not exact,
        # so none are saved (the fingerprint records the preroll, so exact and approximate
        # renders never mix in one output).
        self.preroll = int(preroll)
        self.node = node
        self.target = target
        self.workspace = workspace
        self.first, self.last = frames
        self.reads = reads
        self.directions = tuple(directions)
        self.state_every = state_every
        self.keep = frozenset(keep)
        self.writers = writers
        self._writes = None
        self._progress = None
        self._written = []
        self._done = []
        self._waiting = []
        self._kept = {}
        self._blended = {}  # frame -> the names of the runs whose waiting results it was blended from

    def runs(self):
        """The runs that cross first..last in the chosen directions, shot by shot."""
        return runs_in_range(self.node, self.first, self.last, self.directions)

    def frames_to_write(self):
        """Frames in range that some selected run delivers and that are not done yet."""
        frames = set(delivery_order(self.node, self.first, self.last, self.directions))
        return sorted(f for f in frames if not self.is_done(f))

    def is_done(self, frame):
        return self.workspace.is_done(frame) and self.target.exists(frame)

    def render(self, progress=None):
        """Render every selected run's frames in range -> BatchReport. progress: optional object
        with update(n) (a tqdm bar), told of each frame written."""
        self._progress = progress
        self._writes = WriteBehind(self.target.write, then=self._written_out, workers=self.writers)
        try:
            for run in self.runs():
                self._render_run(run)
        finally:
            self._writes.close()  # every frame handed over is whole on disk before we return
        return BatchReport(tuple(self._written), tuple(sorted(set(self._done))), tuple(self._waiting),
                           self._kept)

    # -- one run -------------------------------------------------------------------------------
    def _chunk(self, run):
        return [f for f in run.frames() if self.first <= f <= self.last]

    def _render_run(self, run):
        frames = self._chunk(run)
        if not frames:
            return
        last = frames[-1]
        needed = []
        for frame in frames:
            if not contributes(self.node, run, frame):
                continue
            if self.is_done(frame):
                self._done.append(frame)
            elif not self.workspace.waiting_path(run.name, frame).is_file():
                needed.append(frame)
            else:
                self._finish_blend(run, frame)
        saved = set(self.workspace.state_frames(run.name))
        if not needed and (self.preroll or last == run.end or last in saved):
            return  # nothing to write and the next chunk's state is there
        state = self._start_state(run, frames, needed, saved)
        if state is None:
            return
        needed = set(needed)
        safe = state  # the latest state whose frame is fully delivered
        handed = None  # the frame of the latest state handed to the writers
        self.reads.plan(range(state.frame + run.direction, last + run.direction, run.direction))
        try:
            while state.frame != last:
                result, state = self.node.step(run, state)
                frame = state.frame
                if frame in needed:
                    self._deliver(run, frame, result)
                safe = state
                if self.preroll:
                    continue
                if self._position(run, frame) % self.state_every == 0 or frame == last:
                    # Frames written behind finish first: a saved state's frames are on disk,
                    # so a rerun after a kill resumes right after them (one pipeline drain per
                    # state, every state_every frames). The state itself is compressed and
                    # written behind too, while the next frames render (the next drain, or the
                    # batch's end, waits for it; it lands whole or not at all).
                    self._writes.flush()
                    self._writes.call(self.workspace.state_saver(state))
                    handed = state.frame
        except KeyboardInterrupt:
            # Keep what was done: the next render resumes right after the last delivered frame
            # (unless that state is already with the writers: two writes of one file would race).
            if safe.frame not in (run.start - run.direction, handed) and not self.preroll:
                self.workspace.save_state(safe)
            raise

    @staticmethod
    def _position(run, frame):
        """How far along the run a frame is: 0 at its start, -1 for the state before it."""
        return (frame - run.start) * run.direction

    def _start_state(self, run, frames, needed, saved):
        """The state to step from: the latest saved one that precedes every needed frame."""
        limit = self._position(run, needed[0] if needed else frames[-1] + run.direction) - 1
        floor = self._position(run, frames[0]) - 1
        usable = [f for f in saved if floor <= self._position(run, f) <= limit]
        if usable:
            best = max(usable, key=lambda f: self._position(run, f))
            log.debug("run %s resumes from its state at frame %d", run.name, best)
            where = str(self.workspace.state_path(run.name, best))
            return self.node.state_from_arrays(run, self.workspace.load_state(run.name, best), where=where)
        if frames[0] == run.start:
            return self.node.initial_state(run)
        if self.preroll:
            return self._preroll_state(run, frames[0])
        before = frames[0] - run.direction
        self._waiting.append(
            f"run {run.name} ({direction_word(run.direction)}, frames {run.start}-{run.end}) has no saved state at frame "
            f"{before}: this chunk waits for the chunk that renders frame {before} "
            f"(expected {self.workspace.state_path(run.name, before)})"
        )
        return None

    def _preroll_state(self, run, chunk_start):
        """A fresh state `preroll` frames before the chunk (never before the run's start)."""
        fresh = self.node.initial_state(run)
        back = min(self.preroll, self._position(run, chunk_start))
        start = chunk_start - run.direction * back
        if start == run.start:
            return fresh
        return RunState(run.name, start - run.direction, fresh.previous_lab)

    def _deliver(self, run, frame, result):
        pairs = self.node.contributions(frame)
        if len(pairs) == 1:
            self._write(frame, self.node.compose(frame, {run.name: result}))
            return
        # Save first, then look for the other run's result: of two processes passing the
        # same frame at once, the one that looks last is sure to find both.
        self.workspace.save_waiting(result)
        self._blend_waiting(run, frame, result)

    def _finish_blend(self, run, frame):
        """`run` passed `frame` before and left its result waiting; a process killed before it
        wrote the blend may have left the other run's result there too: blend them now."""
        ours = self.workspace.load_waiting(run.name, frame)
        if ours is not None:
            self._blend_waiting(run, frame, ours)

    def _blend_waiting(self, run, frame, result):
        """Write `frame` blended from `run`'s result and the other run's waiting one, if that is
        there. The waiting results are dropped only once the frame is written and marked done."""
        other = next(r for r, _ in self.node.contributions(frame) if r.name != run.name)
        theirs = self.workspace.load_waiting(other.name, frame)
        if theirs is None:
            return
        self._blended[frame] = (run.name, other.name)
        self._write(frame, self.node.compose(frame, {run.name: result, other.name: theirs}))

    def _written_out(self, frame):
        """On a writer thread, once `frame`'s files are whole: mark it done, then drop the waiting
        results it was blended from (not before: a process killed in between leaves them for the
        next render to blend again)."""
        self.workspace.mark_done(frame)
        for run_name in self._blended.pop(frame, ()):
            self.workspace.drop_waiting(run_name, frame)

    def _write(self, frame, frame_result):
        self._writes.submit(frame, frame_result)  # marked done once its files are whole
        self._written.append(frame)
        if frame in self.keep:
            self._kept[frame] = frame_result
        if self._progress is not None:
            self._progress.update(1)


def waiting_error(report, chunk):
    """The StateError for a chunk some of whose runs wait for other chunks."""
    return StateError(
        f"chunk {chunk}: " + "; ".join(report.waiting)
        + ". Render that chunk first (or pass --preroll N for an independent, approximate chunk)"
    )
