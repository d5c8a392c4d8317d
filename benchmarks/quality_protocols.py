"""The quality benchmark's protocols: which keys each shot gets, and whether its frame is named.

  first           key = true colour of the shot's first frame, pinned to it
  mid             key = true colour of the shot's middle frame, pinned to it
  cross           key = true colour of the middle frame of the next shot of the same clip, given
                  with no frame: the node scans the shot for it (excolor.engine.reference_frames)
                  and must not pin it; semantic matching, flow cannot help. Needs >= 2 shots:
                  bikes only.
  two_keys        keys = true colour of the shot's first frame and of 60 frames later (the
                  shot's last frame in --quick), both pinned. bigbuckbunny only.
  first_unnamed   the `first` key, given with no frame: the node must find the frame itself
  mid_unnamed     the `mid` key, given with no frame
  first_exported_pinned  the `first` key as a colorist exports it (export_reference), pinned
  first_exported  the same exported key, with no frame

A protocol with no frame named is scored against its `twin`, the protocol with the same key
pinned: finding the frame must cost nothing. (A `mid` exported pair would cost as much again as
the `first` one: about a twelfth of a full run.)
"""
from __future__ import annotations

import dataclasses

import cv2
import numpy as np

TWO_KEY_CLIPS = ("bigbuckbunny.mp4",)
SECOND_KEY_AFTER = 60  # frames from the first key to the second under two_keys

# A colorist's export of a keyed frame, in this order, on display sRGB 0..1:
EXPORT_SCALE = 0.75  # three-quarter size, OpenCV area resize, each side rounded to the nearest pixel
EXPORT_CONTRAST = 1.05  # +5 % contrast about mid-grey: v' = 0.5 + 1.05 (v - 0.5)
EXPORT_WARMTH = (1.02, 1.0, 0.98)  # then a slight warm shift: R x 1.02, B x 0.98, clipped to 0..1
EXPORT_JPEG_QUALITY = 85  # then 8-bit (rounded), JPEG-encoded and decoded by OpenCV


@dataclasses.dataclass(frozen=True)
class Protocol:
    """name; keys: which frames the keys are the true colour of ("first", "mid", "two_keys" or
    "cross"); named: whether the methods are told the keys' frames (a pinned keyframe) or not
    (the node's default, auto: it finds the frame); exported: the key goes through
    export_reference; twin: the protocol with the same key pinned, for a protocol with no frame
    named; blind: whether the methods blind to the key's frame run (not where another protocol
    has the same key: they would repeat its rows)."""

    name: str
    keys: str
    named: bool = True
    exported: bool = False
    twin: str | None = None
    blind: bool = True


PROTOCOLS = {p.name: p for p in (
    Protocol("first", "first"),
    Protocol("mid", "mid"),
    Protocol("cross", "cross", named=False),
    Protocol("two_keys", "two_keys"),
    Protocol("first_unnamed", "first", named=False, twin="first", blind=False),
    Protocol("mid_unnamed", "mid", named=False, twin="mid", blind=False),
    Protocol("first_exported_pinned", "first", exported=True, blind=False),
    Protocol("first_exported", "first", named=False, exported=True, twin="first_exported_pinned"),
)}


def export_reference(rgb: np.ndarray) -> np.ndarray:
    """A true colour frame (H,W,3) float32 sRGB 0..1 as a colorist exports it (the EXPORT_*
    constants, in their order) -> (round(0.75 H), round(0.75 W), 3) float32 sRGB 0..1, 8-bit
    values. Deterministic: the same frame gives the same pixels."""
    height, width = rgb.shape[:2]
    size = (round(width * EXPORT_SCALE), round(height * EXPORT_SCALE))
    small = cv2.resize(np.ascontiguousarray(rgb, np.float32), size, interpolation=cv2.INTER_AREA)
    graded = (0.5 + EXPORT_CONTRAST * (small - 0.5)) * np.asarray(EXPORT_WARMTH, np.float32)
    rgb8 = (np.clip(graded, 0.0, 1.0) * 255.0 + 0.5).astype(np.uint8)
    ok, jpeg = cv2.imencode(".jpg", cv2.cvtColor(rgb8, cv2.COLOR_RGB2BGR),
                            [cv2.IMWRITE_JPEG_QUALITY, EXPORT_JPEG_QUALITY])
    if not ok:
        raise RuntimeError("OpenCV could not encode the exported reference")
    decoded = cv2.cvtColor(cv2.imdecode(jpeg, cv2.IMREAD_COLOR), cv2.COLOR_BGR2RGB)
    return decoded.astype(np.float32) / 255.0


def keys_for(protocol: Protocol, clip_name, shots, index, truth):
    """((key rgb (h,w,3) float32, the frame it is the true colour of or None), ...) of shot
    `index` ((first, last) inclusive in `shots`) under `protocol`; None if n/a. None as a frame:
    the key is another shot's frame. truth: (N,H,W,3) float32 sRGB of the clip."""
    first, last = shots[index]
    if protocol.keys == "two_keys":
        second = min(first + SECOND_KEY_AFTER, last)
        if clip_name not in TWO_KEY_CLIPS or second == first:
            return None
        return ((truth[first], first), (truth[second], second))
    if protocol.keys == "cross":
        if len(shots) < 2:
            return None
        other = shots[(index + 1) % len(shots)]
        return ((truth[(other[0] + other[1]) // 2], None),)
    frame = first if protocol.keys == "first" else (first + last) // 2
    rgb = export_reference(truth[frame]) if protocol.exported else truth[frame]
    return ((rgb, frame),)
