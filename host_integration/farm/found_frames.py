"""A farm job's references with no frame, found once when the job is written.

A render job finds the frame of each reference that has none (auto) before its first frame
(excolor.engine.found_frames). A farm job's chunks must neither each scan their shot again nor
risk planning other runs than the job's dependencies follow, so `excolor farm` scans once, on
the submitting machine: the shot's frames read from INPUT and shown through the colour settings
its tasks get, the same decision a one-go `excolor colorize` makes. The shot list with every
frame decided (a frame number, or "none") is written beside the job and the tasks read it.
"""
from pathlib import Path

from excolor import io
from excolor.colour.management import ColourConverter, input_kind_for_pixels
from excolor.engine.found_frames import find_frames
from excolor.engine.plates import checked_plate
from excolor.engine.references import reference_display
from excolor.errors import UsageError
from excolor.render.node_shots import node_shot, resolved_entry
from excolor.render.reference_files import read_references
from excolor.shotlists.entries import check_shots

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


def find_entry_frames(input, entries, ocio_config=None, input_space=None):
    """Find the frames of the auto keyframes of `entries` -> (the entries with every frame
    decided, one line per reference scanned, as `excolor colorize` says it).

    input: INPUT (a video or sequence pattern); ocio_config and input_space: the tasks'
    `--ocio-config` and `--input-space` (None: their defaults). Raises what a render job's
    checks raise: UsageError for shots outside INPUT or a shot the node refuses, InputError
    for a missing frame or an unreadable reference, each naming the shot.
    """
    references = read_references(entries)
    reader = io.open_input(input)
    try:
        check_shots(entries, reader.first, reader.last)
        try:
            shots = [node_shot(entry) for entry in entries]
        except ValueError as error:
            raise UsageError(str(error)) from error
        colour = ColourConverter(config=ocio_config, input_space=input_space,
                                 input_kind=input_kind_for_pixels(reader.pixel_format.dtype))
        resolved, found = find_frames(
            shots,
            lambda keyframe: reference_display(references[keyframe.image].pixels,
                                               references[keyframe.image].pixel_format, colour.to_display),
            lambda frame: checked_plate(frame, reader.read(frame)), colour.to_display)
    finally:
        reader.close()
    lines = tuple(f"{entries[f.shot].describe()}: {f.describe(Path(f.keyframe.image).name)}" for f in found)
    return [resolved_entry(entry, shot) for entry, shot in zip(entries, resolved)], lines
