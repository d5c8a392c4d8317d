"""Small real media for the editorial tests: QuickTime files with a timecode track, made with
PyAV (FFmpeg's muxer writes the `timecode` metadata as a tmcd track), and image sequences."""
import av
import numpy as np


def timecoded_video(path, rate, timecode=None, frames=30, size=(48, 64)):
    """A `frames`-frame H.264 video at `rate` starting at `timecode` (None: no timecode): frame n
    is a gray ramp of brightness 8 n, with a bright block that moves (something to follow)."""
    height, width = size
    with av.open(str(path), "w") as container:
        if timecode:
            container.metadata["timecode"] = timecode
        stream = container.add_stream("libx264", rate=rate)
        stream.width, stream.height, stream.pix_fmt = width, height, "yuv420p"
        for index in range(frames):
            image = np.full((height, width, 3), (index * 8) % 200, np.uint8)
            image[8:24, index % (width - 16):index % (width - 16) + 16] = 230
            for packet in stream.encode(av.VideoFrame.from_ndarray(image, format="rgb24")):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    return path
