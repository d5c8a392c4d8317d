"""Inputs of the render job's rerun tests: the carphone clip (real footage) as a gray video or
a PNG sequence, its true colours as keys, and the outputs read back."""
import json
from pathlib import Path

import av
import numpy as np
from excolor.io import open_input

from tests.support.batch import carphone_frames, write_reference, write_sequence


def gray_video(path, count=20, size=(120, 160)):
    """`count` frames of the carphone clip, gray, as an H.264 mp4 of `size` (height, width), 24
    fps; returns (path, the colour frames, float32 sRGB 0..1)."""
    frames = carphone_frames(count=count, size=size)
    with av.open(str(path), "w") as container:
        stream = container.add_stream("libx264", rate=24)
        stream.height, stream.width = size
        stream.pix_fmt = "yuv420p"
        for frame in frames:
            gray = np.round(frame.mean(axis=2) * 255).astype(np.uint8)
            picture = av.VideoFrame.from_ndarray(np.repeat(gray[..., None], 3, axis=2), format="rgb24")
            for packet in stream.encode(picture):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    return Path(path), frames


def plate_sequence(folder, count, first=1001):
    """`count` colour frames of the carphone clip (88x72) as plate.####.png from `first` ->
    (pattern, the frames)."""
    frames = carphone_frames(count=count)
    return write_sequence(Path(folder) / "plate.####.png", frames, first=first), frames


def key(path, image):
    """A colour reference image file (8-bit PNG) of `image`; returns its path."""
    return write_reference(path, image)


def shot_list(path, shots):
    """A shot list file of `shots` ([{"start", "end", "reference", ...}]); returns its path."""
    Path(path).write_text(json.dumps({"shots": shots}))
    return Path(path)


def decoded(path):
    """Every frame of a video file, as excolor reads it (float32 HxWx3)."""
    reader = open_input(path)
    try:
        return [reader.read(n) for n in range(reader.first, reader.last + 1)]
    finally:
        reader.close()


def file_bytes(folder, pattern="*.png"):
    """{name: bytes} of the files matching `pattern` in `folder`."""
    return {p.name: p.read_bytes() for p in sorted(Path(folder).glob(pattern))}
