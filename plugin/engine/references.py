"""Reference images: reading, conversion to the model's space, and encoding once per content.

A keyframe's image becomes display sRGB (what the network was trained on), then CIELAB at the
reference's *own* aspect ratio (sized by the model's size rule, resized rather than padded so
no padding takes part in the matching), then the reference graph's outputs. Those are cached by
a hash of the display pixels and the size: the same picture used by several shots, or given
again as another array or path, is encoded once.
"""
from __future__ import annotations

import collections
import hashlib
import logging
import warnings
from pathlib import Path

import numpy as np

from ..colour.cielab import srgb_to_lab
from ..colour.resample import pad_edge, resize, resize_hwc
from ..io import read_reference
from ..io.channels import finite_colour

log = logging.getLogger(__name__)

L_OFFSET = 50.0
# Below this mean chroma (CIELAB ab units) a reference carries almost no colour to propagate.
GRAY_CHROMA = 3.0
# Distinct reference codes kept at once (each is a few MB of features).
MAX_CODES = 32


def centred_lab(display_rgb):
    """HxWx3 display sRGB 0..1 -> (1,3,H,W) float32 Lab with L centred (L - 50)."""
    lab = srgb_to_lab(np.clip(display_rgb, 0.0, 1.0))
    lab = np.moveaxis(lab, -1, 0)[None].astype(np.float32)
    lab[:, 0] -= L_OFFSET
    return np.ascontiguousarray(lab)


class ReferenceBank:
    """Turns keyframes into reference codes, encoding each distinct picture once.

    colour: the node's ColourConverter; runtime: its GraphRuntime; size_rule and long_side: the
    model's size rule and the node's network long side.
    """

    def __init__(self, colour, runtime, size_rule, long_side):
        self._colour = colour
        self._runtime = runtime
        self._size_rule = size_rule
        self._long_side = long_side
        self._codes = collections.OrderedDict()  # (content hash, h, w) -> reference graph outputs
        self._display = {}  # id of a keyframe image -> (the image, content hash, display sRGB HxWx3)
        # Reference files a caller read already: Path -> (pixels, PixelFormat, content hash).
        self.files = {}
        self.encodes = 0
        self.cache_hits = 0

    def display(self, keyframe):
        """(content hash, display sRGB HxWx3 float32 0..1) of a keyframe's image (memoised)."""
        image_id = id(keyframe.image)
        if image_id in self._display and self._display[image_id][0] is keyframe.image:
            return self._display[image_id][1:]
        content_hash = None
        if isinstance(keyframe.image, Path):
            pixels, fmt, content_hash = self.files.get(keyframe.image) or (*read_reference(keyframe.image), None)
            display = reference_display(pixels, fmt, self._colour.to_display)
        else:
            pixels, broken = finite_colour(np.asarray(keyframe.image, dtype=np.float32)[..., :3])
            if broken:
                warnings.warn(f"reference {keyframe.describe()}: NaN/inf pixels replaced by 0")
            display = self._colour.to_display(pixels)
        display = np.ascontiguousarray(display, dtype=np.float32)
        if content_hash is None:
            digest = hashlib.sha256(display.tobytes())
            digest.update(str(display.shape).encode())
            content_hash = digest.hexdigest()
        self._warn_if_gray(keyframe, display)
        # Hold the image object itself so its id cannot be reused by another object.
        self._display[image_id] = (keyframe.image, content_hash, display)
        return content_hash, display

    def _warn_if_gray(self, keyframe, display):
        step = max(1, max(display.shape[:2]) // 256)  # a coarse look is enough to judge colour
        lab = srgb_to_lab(display[::step, ::step])
        chroma = float(np.hypot(lab[..., 1], lab[..., 2]).mean())
        if chroma < GRAY_CHROMA:
            warnings.warn(
                f"reference {keyframe.describe()} is nearly gray (mean chroma {chroma:.1f}); "
                "it has little colour to give the shot"
            )

    def code(self, keyframe):
        """The reference graph's outputs for a keyframe's image, encoded once per content."""
        content_hash, display = self.display(keyframe)
        height, width = self._size_rule.fit(display.shape[0], display.shape[1], self._long_side)
        code_id = (content_hash, height, width)
        if code_id in self._codes:
            self._codes.move_to_end(code_id)
            self.cache_hits += 1
            log.debug("reference %s: cache hit", keyframe.describe())
            return self._codes[code_id]
        lab = centred_lab(resize_hwc(display, height, width))
        code = self._runtime.encode_reference(lab)
        self.encodes += 1
        log.info("reference %s encoded at %dx%d", keyframe.describe(), width, height)
        self._codes[code_id] = code
        while len(self._codes) > MAX_CODES:
            self._codes.popitem(last=False)
        return code

    def start_lab(self, keyframe, layout):
        """(1,3,net_h,net_w) centred Lab of the keyframe laid out like a plate (propagation start).

        The reference is taken as the coloured version of the frame it is pinned to: resized to
        the plate's content size and edge-padded like the plate.
        """
        _, display = self.display(keyframe)
        lab = centred_lab(display)[0]
        lab = resize(lab, layout.content_h, layout.content_w)
        return np.ascontiguousarray(pad_edge(lab, layout.net_h, layout.net_w)[None])

    def forget_images(self):
        """Drop the per-image memo (shots changed); encoded codes stay cached by content."""
        self._display.clear()


def reference_display(pixels, pixel_format, to_display):
    """A reference file's pixels (H,W,3 float32, as excolor.io.read_reference gives them) in
    display values (H,W,3 float32 0..1): integer files (PNG, JPEG, 8/16-bit TIFF) hold display
    sRGB already; float files (EXR) are in the working space like the plates, shown through
    `to_display` ((H,W,3) working space -> display)."""
    if pixel_format.dtype in ("half", "float"):
        return to_display(pixels)
    return np.clip(pixels, 0.0, 1.0)
