"""A run's plates as its fingerprint holds them: each plate file's size and modification time.

A plate replaced after a render (a fixed comp, a re-scan) must re-render the runs that read it,
but hashing every plate in every farm chunk would read the whole input each time. A file's size
and modification time (nanoseconds) change whenever it is rewritten, and cost one stat per
frame, no more than the listing INPUT's folder costs already. A video INPUT is one file: every
run reads it, so every run's stamp holds its size and time.
"""
import hashlib
import json
import os


def plate_stamp(reader, frames):
    """A short digest (hex) of the size and modification time of each plate of `frames` (an
    iterable of frame numbers) of INPUT `reader` (excolor.io: a SequenceReader's frame files,
    a VideoReader's one file). A missing file stamps as missing (the render refuses it
    before this matters)."""
    pattern = getattr(reader, "pattern", None)
    paths = [pattern.path(frame) for frame in frames] if pattern is not None else [reader.path]
    stamps = []
    for path in paths:
        try:
            status = os.stat(path)
            stamps.append([status.st_size, status.st_mtime_ns])
        except OSError:
            stamps.append(None)
    return hashlib.sha256(json.dumps(stamps).encode()).hexdigest()[:16]
