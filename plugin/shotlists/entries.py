"""SHOTS.json: which frames form a shot and which reference image(s) colour it.

    {"shots": [
      {"start": 1001, "end": 1096, "reference": "key_a.png", "reference_frame": 1001},
      {"start": 1097, "end": 1180, "reference": [{"image": "key_b.png", "frame": 1100},
                                                 {"image": "key_c.png", "frame": 1170}]},
      {"start": 1181, "end": 1190, "reference": "key_d.png"},
      {"start": 1191, "end": 1200, "reference": null}
    ]}

Ranges are inclusive frame numbers as on disk (0-based for a video). Reference paths are
relative to the SHOTS.json file. A single reference's `reference_frame`, or a keyframe's
`frame`, pins it to the frame it is the coloured version of; absent or null, that frame is
found (the render scans the shot for it and pins the reference there when beyond doubt, else
keeps it unpinned); `"none"` keeps it unpinned, never scanned. `"reference": null` is the
placeholder `excolor shots` writes; `colorize` refuses it, naming the shot. Every problem names the shot (its number in
the file, 1-based, and its frames) and what is wrong. `detect_cuts` finds the shots of a plate
for `excolor shots`.
"""
import dataclasses
import json
import re
from pathlib import Path
from typing import NamedTuple

import numpy as np

from ..errors import InputError, UsageError
from ..files import write_atomically
from ..io import ranges_text
from .editorial import read_timeline_shots
from .paths import relative_path
from .schema import structure_problem

_RANGE = re.compile(r"^\s*(-?\d+)\s*-\s*(-?\d+)\s*$")
# A keyframe's frame that says "never pinned" (None, absent or null, says "find it").
NOT_PINNED = "none"


class FrameRange(NamedTuple):
    """Inclusive frame numbers first..last, as on disk (`--frames A-B`)."""

    first: int
    last: int


@dataclasses.dataclass(frozen=True)
class ShotEntry:
    """One shot of a shot list: inclusive frames first..last (the file's "start" and "end",
    named as `excolor.engine.runs.Shot` names them), and keyframes as (image Path, frame): the
    frame number it is pinned to, None (find it: auto) or NOT_PINNED ("none": never pinned)."""

    number: int  # 1-based position in the file, for messages
    first: int
    last: int
    keyframes: tuple
    name: str = ""

    def describe(self):
        label = f" '{self.name}'" if self.name else ""
        return f"shot {self.number}{label} (frames {self.first}-{self.last})"

    def frames_in(self, first, last):
        """This shot's frames within first..last (an empty range where they do not meet)."""
        return range(max(self.first, first), min(self.last, last) + 1)


def parse_frame_range(text):
    """"A-B" -> FrameRange(A, B), inclusive; a single "A" -> (A, A). UsageError when malformed."""
    text = str(text)
    match = _RANGE.match(text)
    if match:
        first, last = int(match.group(1)), int(match.group(2))
    elif re.match(r"^\s*-?\d+\s*$", text):
        first = last = int(text)
    else:
        raise UsageError(f"--frames '{text}': expected A-B, e.g. 1001-1096 (inclusive)")
    if first > last:
        raise UsageError(f"--frames {text}: first frame {first} is after last frame {last}")
    return FrameRange(first, last)


def load_shot_list(path, edl_rate=None, media=None):
    """Read SHOTS.json (or an .otio/.edl cut list) -> [ShotEntry]. Reference paths are
    resolved against the file's folder. edl_rate and media (the INPUT, whose rate and start
    timecode an EDL's timecode is counted in) go to excolor.shotlists.editorial.read_timeline_shots.

    Raises InputError (file missing or not JSON) or UsageError (wrong structure, a
    placeholder left unfilled, a keyframe outside its shot), each naming file and shot.
    """
    path = Path(path)
    if path.suffix.lower() in (".otio", ".edl"):  # editorial cut lists (excolor.shotlists.editorial)
        data = read_timeline_shots(path, edl_rate=edl_rate, media=media)
    elif not path.is_file():
        raise InputError(f"{path}: shot list is missing (no such file)")
    else:
        try:
            # utf-8-sig: Windows editors save JSON with a byte-order mark.
            data = json.loads(path.read_text(encoding="utf-8-sig"))
        except (UnicodeDecodeError, json.JSONDecodeError) as error:
            raise InputError(f"{path}: not valid JSON ({error})") from error
    problem = structure_problem(data)
    if problem is not None:
        number, words = problem
        shot = data["shots"][number - 1] if number is not None else None
        raise UsageError(f"{path}: {_describe_raw(number, shot)}{words}")
    entries = []
    for number, shot in enumerate(data["shots"], start=1):
        start, end, name = shot["start"], shot["end"], shot.get("name", "")
        where = f"{path}: {ShotEntry(number, start, end, (), name).describe()}"
        if start > end:
            raise UsageError(f"{where}: start {start} is after end {end}")
        keyframes = _keyframes(shot, path.parent, where)
        pinned = [frame for _image, frame in keyframes if isinstance(frame, int)]
        for image, frame in keyframes:
            if isinstance(frame, int) and not start <= frame <= end:
                raise UsageError(
                    f"{where}: keyframe {image.name} is pinned to frame {frame}, outside the shot"
                )
        if len(set(pinned)) != len(pinned):
            raise UsageError(f"{where}: two keyframes are pinned to the same frame")
        if len(keyframes) - len(pinned) > 1:
            raise UsageError(
                f"{where}: several keyframes without a frame number; at most one (it starts the shot), "
                "give each of the others its \"frame\""
            )
        entries.append(ShotEntry(number, start, end, keyframes, name))
    return entries


def _describe_raw(number, shot):
    """"shot N (frames A-B): " for a shot as it is in the file (as far as it can be read)."""
    if number is None:
        return ""
    fields = shot if isinstance(shot, dict) else {}
    start, end, name = fields.get("start"), fields.get("end"), fields.get("name")
    if type(start) is int and type(end) is int:
        return ShotEntry(number, start, end, (), name if isinstance(name, str) else "").describe() + ": "
    return f"shot {number}: "


def _keyframes(shot, folder, where):
    reference = shot["reference"]
    if reference is None:
        raise UsageError(
            f"{where}: reference is a placeholder (null); fill in the image that colours this "
            'shot, e.g. "reference": "key.png" (a path relative to the shot list)'
        )
    if isinstance(reference, str):
        return ((folder / reference, shot.get("reference_frame")),)
    if "reference_frame" in shot:
        raise UsageError(f"{where}: 'reference_frame' goes with a single reference; in a list give each keyframe its \"frame\"")
    keyframes = []
    for number, item in enumerate(reference, start=1):
        if item["image"] is None:
            raise UsageError(f"{where}: keyframe {number}'s image is a placeholder (null); fill it in")
        keyframes.append((folder / item["image"], item.get("frame")))
    return tuple(keyframes)


def single_shot(reference, first, last, reference_frame=None):
    """`--reference IMAGE`: one shot spanning first..last; reference_frame as a ShotEntry's
    keyframe frame (a frame number, None: find it, or "none")."""
    return [ShotEntry(1, first, last, ((Path(reference), reference_frame),))]


def check_shots(entries, input_first, input_last, frames=None):
    """Check shots against the input and the --frames range; return the uncovered frames text.

    Overlapping shots or shots outside the input raise UsageError naming them. Returns a
    message naming the frames in range that no shot covers ("" when every frame is covered).
    """
    if frames is not None:
        first, last = frames
        if first < input_first or last > input_last:
            raise UsageError(
                f"--frames {first}-{last} reaches outside the input (frames {input_first}-{input_last})"
            )
    else:
        first, last = input_first, input_last
    for entry in entries:
        if entry.first < input_first or entry.last > input_last:
            raise UsageError(
                f"{entry.describe()} reaches outside the input (frames {input_first}-{input_last})"
            )
    ordered = sorted(entries, key=lambda e: e.first)
    for before, after in zip(ordered, ordered[1:]):
        if after.first <= before.last:
            raise UsageError(
                f"{before.describe()} and {after.describe()} overlap at frames "
                f"{after.first}-{min(before.last, after.last)}"
            )
    covered = set()
    for entry in entries:
        covered.update(entry.frames_in(first, last))
    uncovered = [n for n in range(first, last + 1) if n not in covered]
    if not uncovered:
        return ""
    return f"frames {ranges_text(uncovered)} are in no shot and will not be rendered"


def write_entries(path, entries):
    """Write `entries` (ShotEntry) as a SHOTS.json at `path`, atomically: reference paths
    relative to its folder (absolute on another drive), frames and names as the entries hold
    them (a None frame, auto, is left out)."""
    folder = Path(path).resolve().parent
    shots = []
    for entry in entries:
        shot = {"start": entry.first, "end": entry.last}
        if entry.name:
            shot["name"] = entry.name
        keyframes = [{"image": relative_path(image, folder), **({} if frame is None else {"frame": frame})}
                     for image, frame in entry.keyframes]
        if len(keyframes) == 1:
            shot["reference"] = keyframes[0]["image"]
            if "frame" in keyframes[0]:
                shot["reference_frame"] = keyframes[0]["frame"]
        else:
            shot["reference"] = keyframes
        shots.append(shot)
    write_atomically(path, json.dumps({"shots": shots}, indent=2) + "\n")


def shot_list_text(ranges):
    """SHOTS.json text with one placeholder shot per (first, last) range (`excolor shots`)."""
    shots = [{"start": int(a), "end": int(b), "reference": None} for a, b in ranges]
    return json.dumps({"shots": shots}, indent=2) + "\n"


def write_shot_list(path, ranges):
    """Write shot_list_text(ranges) to `path`, atomically."""
    write_atomically(path, shot_list_text(ranges))


def detect_cuts(reader, first, last, threshold=27.0, min_length=15, *, progress=None):
    """Shots of frames first..last as [(first, last)] inclusive ranges, frame numbers as on disk
    (`excolor shots`).

    Frames go to PySceneDetect's ContentDetector as 8-bit BGR (float frames through a 1/2.2
    curve: a display-like view is what its thresholds were tuned on).
    """
    # Imported here: PySceneDetect is optional (only `excolor shots` uses it; the Blender
    # extension leaves it out).
    from scenedetect import ContentDetector, FrameTimecode

    if min_length < 1:
        raise UsageError(f"--min-length {min_length}: must be at least 1 frame")
    fps = float(reader.fps) if reader.fps else 24.0
    detector = ContentDetector(threshold=threshold, min_scene_len=min_length, luma_only=True)
    float_input = reader.pixel_format.dtype in ("half", "float")
    cuts = []
    timecode = None
    for index, frame in enumerate(range(first, last + 1)):
        pixels = np.nan_to_num(reader.read(frame)[..., :3])
        if pixels.shape[2] < 3:
            pixels = pixels[..., :1].repeat(3, axis=2)
        if float_input:
            pixels = np.clip(pixels, 0.0, 1.0) ** (1 / 2.2)
        bgr = np.ascontiguousarray(np.clip(np.rint(pixels[..., ::-1] * 255), 0, 255).astype(np.uint8))
        timecode = FrameTimecode(index, fps)
        cuts += detector.process_frame(timecode, bgr)
        if progress is not None:
            progress.update(1)
    if timecode is not None:
        cuts += detector.post_process(timecode)
    starts = sorted({first + cut.frame_num for cut in cuts if 0 < cut.frame_num <= last - first})
    bounds = [first] + starts + [last + 1]
    return [(a, b - 1) for a, b in zip(bounds, bounds[1:])]
