"""Where frame N of the scene comes from: a file (video or image sequence) and a frame mapping.

Plain Python (no bpy). The add-on reads the source with excolor's own readers (excolor.io, the
ones `excolor colorize` uses), so the node sees the same pixels in Blender as on the farm.
Blender's Movie Clip conventions, which `SourceSpec.from_movie_clip` translates:
- `frame_start` is the scene frame that shows the clip's first frame;
- `frame_offset` skips that many frames of the file;
- a movie's frames are numbered 0.. (excolor.io's video numbering); an image sequence's
  `filepath` names its first file, and the digits in that name are its frame number.
"""
import dataclasses
import re
from pathlib import Path

from excolor.colour.management import input_kind_for_pixels
from excolor.errors import InputError

_LAST_DIGITS = re.compile(r"(\d+)(?!.*\d)")


@dataclasses.dataclass(frozen=True)
class SourceSpec:
    """A source file and the scene frame that shows file frame `file_first`.

    path: a video file, or an image sequence pattern (`name.####.ext` / `name.%04d.ext`).
    scene_start: the scene frame that shows file frame `file_first`.
    file_first: a frame number as excolor.io numbers the file (video: 0-based; sequence: as on
        disk), or None for the file's first frame (resolved with `resolved`).
    """

    path: str
    scene_start: int
    file_first: int | None = None

    def resolved(self, first_on_disk):
        """This spec with `file_first` filled in from the file's first frame when None."""
        if self.file_first is not None:
            return self
        return dataclasses.replace(self, file_first=int(first_on_disk))

    def file_frame(self, scene_frame):
        """The file's frame number shown at `scene_frame`."""
        return self.file_first + (int(scene_frame) - self.scene_start)

    def scene_frame(self, file_frame):
        """The scene frame that shows the file's frame `file_frame`."""
        return self.scene_start + (int(file_frame) - self.file_first)

    @classmethod
    def from_movie_clip(cls, filepath, source, frame_start, frame_offset):
        """The spec of a Blender Movie Clip (`clip.filepath` made absolute, `clip.source`
        'MOVIE' | 'SEQUENCE', `clip.frame_start`, `clip.frame_offset`)."""
        if source == "MOVIE":
            return cls(str(filepath), int(frame_start), int(frame_offset))
        if source == "SEQUENCE":
            pattern, number = sequence_pattern(filepath)
            return cls(pattern, int(frame_start), number + int(frame_offset))
        raise InputError(f"movie clip {filepath}: source '{source}' is neither MOVIE nor SEQUENCE")


def sequence_pattern(filepath):
    """(`name.####.ext` pattern, frame number) for one file of an image sequence, as Blender
    names sequences: by the last run of digits in the file name."""
    path = Path(filepath)
    match = _LAST_DIGITS.search(path.name)
    if match is None:
        raise InputError(
            f"{path}: an image sequence file needs a frame number in its name (e.g. shot.0001.png)"
        )
    digits = match.group(1)
    name = path.name[: match.start()] + "#" * len(digits) + path.name[match.end():]
    return str(path.with_name(name)), int(digits)


def input_kind(reader):
    """The input kind `excolor colorize` takes for the same file, so Blender and the CLI colour a
    file alike."""
    return input_kind_for_pixels(reader.pixel_format.dtype)
