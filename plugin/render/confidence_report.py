"""`excolor colorize --report`: how sure the colours of each shot are, and which frames to key
next.

Every frame a job writes keeps its confidence in two numbers (excolor.engine.key_suggestions:
the mean, the share of unsure pixels) in the output's `.excolor/` (excolor.render.workspace),
written with the frame, before it counts as done: so a resumed render, or a chunk of a
farm's, reports every frame of its range, those done earlier included. The report holds, per
shot, the frames' numbers and the frames to key next (excolor.engine.key_suggestions.suggest_keys
over the job's frames of the shot): as text lines (stderr) or as JSON (a file).
"""
from __future__ import annotations

import dataclasses
import json

from ..engine.key_suggestions import UNSURE, suggest_keys, summarize
from ..errors import OutputError
from ..files import write_atomically
from ..io import ranges_text


class WithSummaries:
    """A target (excolor.render.targets) that also keeps each frame's ConfidenceSummary in the
    workspace, after the frame's files and before the batch marks it done."""

    def __init__(self, target, workspace):
        self.target = target
        self.workspace = workspace

    def exists(self, frame):
        return self.target.exists(frame)

    def write(self, frame, result):
        self.target.write(frame, result)
        self.workspace.save_summary(summarize(frame, result.confidence))


@dataclasses.dataclass(frozen=True)
class ShotConfidence:
    """One shot's part of the report: `number` (1-based, as messages name shots), the job's
    frames of it (`first`..`last`), the ConfidenceSummary of each kept one in frame order,
    the frames without one (not rendered yet, e.g. a chunk waiting for another), the frames
    pinned, and the frames to key next (KeySuggestions, least sure first)."""

    number: int
    first: int
    last: int
    summaries: tuple
    without: tuple
    pinned: tuple
    key_next: tuple

    @property
    def mean_confidence(self):
        return sum(s.mean_confidence for s in self.summaries) / len(self.summaries) if self.summaries else None

    @property
    def unsure_share(self):
        return sum(s.unsure_share for s in self.summaries) / len(self.summaries) if self.summaries else None


def shot_confidences(node, workspace, first, last):
    """The ShotConfidence of each of the node's shots within first..last, from the summaries
    `workspace` kept (excolor.render.workspace.Workspace.load_summary)."""
    found = []
    for index, shot in enumerate(node.shots):
        low, high = max(shot.first, first), min(shot.last, last)
        if low > high:
            continue
        kept = {frame: workspace.load_summary(frame) for frame in range(low, high + 1)}
        summaries = {frame: summary for frame, summary in kept.items() if summary is not None}
        found.append(ShotConfidence(
            index + 1, low, high, tuple(summaries.values()),
            tuple(frame for frame, summary in kept.items() if summary is None),
            tuple(sorted(k.frame for k in shot.keyframes if k.frame is not None)),
            suggest_keys(shot, index, summaries),
        ))
    return found


def report_lines(shots):
    """The report as text lines, two per shot."""
    lines = []
    for shot in shots:
        where = f"shot {shot.number} (frames {shot.first}-{shot.last})"
        if not shot.summaries:
            lines.append(f"{where}: no frame's confidence kept yet")
            continue
        line = (f"{where}: {len(shot.summaries)} frame(s), mean confidence {shot.mean_confidence:.2f}, "
                f"{shot.unsure_share:.0%} of pixels unsure (below {UNSURE})")
        if shot.without:
            line += f"; no confidence kept for frame(s) {ranges_text(list(shot.without))}"
        lines.append(line)
        if shot.key_next:
            frames = ", ".join(f"{s.frame} (mean {s.mean_confidence:.2f}, {s.unsure_share:.0%} unsure)"
                               for s in shot.key_next)
            lines.append(f"shot {shot.number}: key next frame {frames}")
        else:
            lines.append(f"shot {shot.number}: nothing to key next (every frame is pinned or near a key)")
    return lines


def report_data(shots, output, frames):
    """The report as JSON-able data: OUTPUT as given, the job's `frames` (first, last), and per
    shot its frames' numbers and the frames to key next."""
    return {
        "output": str(output),
        "frames": [frames[0], frames[1]],
        "unsure_below": UNSURE,
        "shots": [{
            "shot": shot.number,
            "first": shot.first,
            "last": shot.last,
            "mean_confidence": shot.mean_confidence,
            "unsure_share": shot.unsure_share,
            "pinned": list(shot.pinned),
            "key_next": [_numbers(s) for s in shot.key_next],
            "frames": [_numbers(s) for s in shot.summaries],
            "without_confidence": list(shot.without),
        } for shot in shots],
    }


def _numbers(summary):
    return {"frame": summary.frame, "mean_confidence": summary.mean_confidence,
            "unsure_share": summary.unsure_share}


def write_report(path, data):
    """Write the report's data as JSON to `path`, atomically (beside it)."""
    try:
        write_atomically(path, json.dumps(data, indent=2) + "\n")
    except OSError as error:
        raise OutputError(f"--report {path}: cannot write ({error.strerror or error})") from error
