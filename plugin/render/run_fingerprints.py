"""What each run of a render job depends on, and what a rerun keeps of an earlier render.

A colorist keys iteratively: a changed key, or a replaced plate, must re-render the runs that
read it and the frames made from them, and keep every other frame. So the fingerprint
(excolor.render.workspace) holds, beside the job's part, one part per run (its keyframe's image
and frame, its frames, its plates' stamps: excolor.render.plate_stamps) and one per shot for
the finish, which weighs the shot's pinned keys together (the luma kind they tell,
excolor.engine.keyframe_colours): a pinned key that changes re-finishes its whole shot.

A frame two runs blend is made again when either run changes, and that needs the other run's
result there too: between two keys every frame is a blend, so the other run is stepped again
from its start (its saved states would not shorten that: its first frame after its key is
already a blend). That is why a finished run keeps no state (`prune_finished_runs`).
"""
from pathlib import Path

from ..engine.runs import BACKWARD, FORWARD, direction_word
from .batch import contributes, runs_in_range
from .node_shots import entry_frame
from .plate_stamps import plate_stamp


def shot_label(entry):
    """A shot as the fingerprint and the lines name it: 'shot 2 (frames 1011-1016)'."""
    return f"shot {entry.number} (frames {entry.first}-{entry.last})"


def run_parts(node, entries, references, reader):
    """{run name: what the run's results depend on besides the job's part}, every run of every
    shot. entries: the job's ShotEntries, in the node's shot order; references: {image path:
    ReferenceFile}; reader: INPUT (the plates' stamps)."""
    parts = {}
    for index, (entry, shot) in enumerate(zip(entries, node.shots)):
        for run in node.runs(index):
            image, _frame = entry.keyframes[run.keyframe]
            parts[run.name] = {
                "shot": shot_label(entry),
                "keyframe": {"image": Path(image).name, "frame": entry_frame(shot.keyframes[run.keyframe]),
                             "sha256": references[image].sha256},
                "direction": direction_word(run.direction),
                "frames": [run.start, run.end],
                "plates": plate_stamp(reader, run.frames()),
            }
    return parts


def finish_parts(node, entries, references):
    """{shot: its pinned keys (image, frame, sha256)}: the finish of each of the shot's frames
    depends on them together."""
    parts = {}
    for entry, shot in zip(entries, node.shots):
        pinned = [(image, keyframe) for (image, _frame), keyframe in zip(entry.keyframes, shot.keyframes)
                  if keyframe.frame is not None]
        parts[shot_label(entry)] = [{"image": Path(image).name, "frame": keyframe.frame,
                                     "sha256": references[image].sha256} for image, keyframe in pinned]
    return parts


def frame_parts(node, entries):
    """frame -> (its shot's label, the names of the runs it is made from), for the workspace."""
    def parts(frame):
        return (shot_label(entries[node.shot_index(frame)]),
                tuple(run.name for run, _weight in node.contributions(frame)))
    return parts


def rerun_lines(node, entries, changes, workspace, frames, directions):
    """One line per shot of `frames` (a FrameRange) saying which of its runs this render keeps
    and which it renders again, and why; [] unless an earlier render of the output had other
    keys or plates (changes: the workspace's Changes). directions: the runs' directions rendered."""
    if not changes.earlier or not (changes.runs or changes.finish):
        return []
    lines = []
    for index, entry in enumerate(entries):
        if entry.last < frames.first or entry.first > frames.last:
            continue
        kept, again = [], []
        label = shot_label(entry)
        for run in runs_in_range(node, *frames, directions):
            if run.shot != index:
                continue
            pending = [f for f in run.frames() if frames.first <= f <= frames.last and contributes(node, run, f)
                       and not workspace.is_done(f)]
            if not pending:
                kept.append(run.name)
            elif run.name in changes.runs:
                again.append(f"{run.name} ({'; '.join(changes.runs[run.name])})")
            elif label in changes.finish:
                again.append(f"{run.name} (the shot's pinned keys changed, and the finish weighs them together)")
            else:
                again.append(f"{run.name} ({_pending_reason(node, run, pending, changes)})")
        lines.append(f"{label}: kept {', '.join(kept) or 'nothing'}; rendering again {', '.join(again) or 'nothing'}")
    return lines


def _pending_reason(node, run, pending, changes):
    """Why an unchanged run renders its `pending` frames again: they blend with a changed run,
    or are not done (never rendered, their files changed, or a video's cached frames gone)."""
    one = len(pending) == 1
    frames = f"frame {pending[0]}" if one else f"frames {min(pending)}-{max(pending)}"
    partners = sorted({other.name for f in pending for other, _weight in node.contributions(f)
                       if other.name != run.name and other.name in changes.runs})
    if partners:
        return f"its {frames} blend{'s' if one else ''} with {', '.join(partners)}"
    return f"its {frames} {'is' if one else 'are'} not done"


def prune_finished_runs(node, workspace, frames):
    """Remove the states and waiting results of every run crossing `frames` (a FrameRange, the
    runs of both directions) whose frames are all done: no chunk will continue it, and a changed
    input makes it start over (module docstring). -> the names of the runs pruned."""
    pruned = []
    for run in runs_in_range(node, *frames, (FORWARD, BACKWARD)):
        if all(workspace.made_from_runs(f) for f in run.frames() if contributes(node, run, f)):
            workspace.drop_run(run.name)
            pruned.append(run.name)
    return pruned
