"""`excolor colorize --matte`: where each rendered frame's confidence matte goes.

The node gives every frame a confidence matte ((H,W) float32 0..1, high where the colours can
be trusted). A batch writes it either

- as its own image sequence (`--matte matte.####.exr`): one channel "Y", EXR half, or 16-bit
  PNG/TIFF, numbered as INPUT's frames (as an image-sequence OUTPUT is, whatever OUTPUT is);
- or as one more channel, `excolor.confidence`, of each OUTPUT EXR (`--matte channel`).

A Matte is what the option asks for (`Matte.parse`); with no --matte it is a Matte that writes
nothing, so the job asks the same questions either way. It is written by the output's targets
(excolor.render.targets: atomic files, a frame counts as done only when its output and its matte
are both on disk), the setting is part of the output's fingerprint, and a matte sequence's paths
are claimed with OUTPUT's (excolor.render.output_paths).
"""
import dataclasses

from .. import io
from ..errors import InputError, UsageError

CHANNEL = "excolor.confidence"
CHANNEL_FORM = "channel"  # the --matte value that asks for the channel instead of a sequence
# Matte file types -> the pixel type written: half keeps 11 bits of the 0..1 matte in a small
# EXR; PNG/TIFF hold it as 16-bit integers (JPEG and DPX are no places for a matte).
MATTE_TYPES = {".exr": "half", ".png": "uint16", ".tif": "uint16", ".tiff": "uint16"}


@dataclasses.dataclass(frozen=True)
class Matte:
    """What --matte asks for: nothing (form None), a sequence `pattern`, or OUTPUT's channel."""

    form: str | None = None  # None | "sequence" | "channel"
    pattern: io.SequencePattern | None = None

    @classmethod
    def parse(cls, value, output, output_kind):
        """The Matte for `--matte value` beside OUTPUT (UsageError naming --matte if refused)."""
        if value is None:
            return cls()
        if value == CHANNEL_FORM:
            if output_kind != "sequence" or io.SequencePattern.parse(output).extension.lower() != ".exr":
                raise UsageError(f"--matte {CHANNEL_FORM}: adds a channel to OUTPUT's EXR files, and OUTPUT "
                                 f"{output} is not an EXR sequence; write the matte as its own sequence "
                                 "instead, e.g. --matte matte.####.exr")
            return cls(CHANNEL_FORM)
        try:
            pattern = io.SequencePattern.parse(value)
        except InputError as error:
            raise UsageError(f"--matte {value}: {error}") from error
        if pattern is None or io.is_video_path(value):
            raise UsageError(f"--matte {value}: name an image sequence with a frame field (e.g. "
                             f"matte.####.exr), or '{CHANNEL_FORM}' for a channel of OUTPUT's EXR files")
        if pattern.extension.lower() not in MATTE_TYPES:
            raise UsageError(f"--matte {value}: a matte is written as {', '.join(MATTE_TYPES)}, "
                             f"not {pattern.extension or 'a file without extension'}")
        return cls("sequence", pattern)

    def fingerprint(self):
        """The fingerprint's entry for this setting ({} with no matte, so outputs rendered
        without one keep their fingerprint). Where a matte sequence lies is not part of it: a
        moved one is simply written again."""
        if self.form is None:
            return {}
        if self.form == CHANNEL_FORM:
            return {"matte": f"OUTPUT channel {CHANNEL}"}
        extension = self.pattern.extension.lower()
        return {"matte": f"image sequence {extension} {MATTE_TYPES[extension]}"}

    def missing(self, frames):
        """The frames of `frames` whose matte file is not on disk (none for the channel form,
        which lives in OUTPUT's own files)."""
        if self.form != "sequence":
            return []
        return [f for f in frames if not self.pattern.path(f).is_file()]

    @property
    def files(self):
        """(frame -> Path of its matte file,) for a matte sequence, () otherwise: what a frame
        writes besides OUTPUT's own file."""
        return (self.pattern.path,) if self.form == "sequence" else ()
