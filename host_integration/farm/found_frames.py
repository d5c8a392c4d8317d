"""A farm job's references with no frame, found once when the job is written.

A render job finds the frame of each reference that has none (auto) before its first frame
(ColorizeNode.find_reference_frames). A farm job's chunks must neither each scan their shot
again nor risk planning other runs than the job's dependencies follow, so `excolor farm` scans
once, on the submitting machine, with the node its checks made of the tasks' own settings
(excolor.hosts.farm.checks): the same decision a one-go `excolor colorize` makes. The shot list
with every frame decided (a frame number, or "none") is written beside the job and the tasks
read it.
"""
from pathlib import Path

from excolor import io
from excolor.render.node_shots import resolved_entry

SUFFIX = ".shots.json"  # of the shot list written beside a job file: job.yaml -> job.shots.json


def has_frames_to_find(entries):
    """True when a keyframe of `entries` (ShotEntry) has its frame to be found (None: auto)."""
    return any(frame is None for entry in entries for _image, frame in entry.keyframes)


def beside(job_file):
    """The shot list written beside a job file (`job.yaml` -> `job.shots.json`)."""
    job_file = Path(job_file)
    return job_file.with_name(job_file.stem + SUFFIX)


def beside_output(output):
    """The shot list of a job with no job file (Ray, an OpenCue launch): in OUTPUT's folder,
    which every render node reaches (`out/c.####.png` -> `out/c.shots.json`)."""
    pattern = io.SequencePattern.parse(output)
    return pattern.directory / ((pattern.prefix.rstrip("._-") or "excolor") + SUFFIX)


def find_entry_frames(job, node):
    """Find the frames of the auto keyframes of a farm job's shots -> (its entries with every
    frame decided, one line per reference scanned, as `excolor colorize` says it).

    job: the tasks' render job (excolor.render.job.ColorizeJob, INPUT open) and node: its node,
    as excolor.hosts.farm.checks.checked_tasks gives them. The shots' frames are read from
    INPUT in frame order, as a render job reads them for its scan. Raises what that scan raises
    (InputError for a frame that cannot be read, naming it).
    """
    found = node.find_reference_frames(read=job.reader.read)
    lines = tuple(f"{job.entries[f.shot].describe()}: {f.describe(Path(f.keyframe.image).name)}" for f in found)
    return [resolved_entry(entry, shot) for entry, shot in zip(job.entries, node.shots)], lines
