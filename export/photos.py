"""Real photographs for parity checks (scikit-image's bundled samples; no download)."""
import numpy as np

from excolor.errors import UsageError

# Different aspect ratios, so a reference and a frame differ in size, as in the node.
SAMPLE_NAMES = ("chelsea", "astronaut", "coffee")


def sample_photos(names=SAMPLE_NAMES):
    """[(H,W,3) float32 sRGB in [0,1]] of scikit-image's sample photographs."""
    try:  # scikit-image is optional (the train extra), so only a parity check needs it
        import skimage.data
    except ImportError as error:
        raise UsageError(
            "the parity check needs scikit-image's sample photographs: pip install excolor[train]"
        ) from error
    return [np.asarray(getattr(skimage.data, name)(), dtype=np.float32) / 255.0 for name in names]
