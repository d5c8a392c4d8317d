"""Scene-linear pixels into files that hold display values only, through an OCIO view.

An 8/16-bit integer image (PNG, JPEG, integer TIFF/DPX) or a video holds 0..1: scene-linear
values above 1 (highlights at 12.0), below 0 (-0.05 from a grain pass) would be clipped. Such
outputs of a scene-linear working space go through the OCIO config's default display and view
instead (the rendering a compositor's viewer shows), named once in a warning line; a config
with no display is refused, naming the fixes. Alpha and extra channels are not colour: they pass
as they are, and where an integer file must clip them that is said once too.
"""
import dataclasses
import warnings

import numpy as np
import PyOpenColorIO as ocio

from ..errors import OutputError

INTEGER_TYPES = ("uint8", "uint16")


class DisplayView:
    """The config's default display/view from the converter's working space, for `destination`
    (a file or sequence name, for messages). Attributes: display, view."""

    def __init__(self, converter, display, view, destination):
        self.display, self.view, self.destination = display, view, destination
        transform = ocio.DisplayViewTransform(src=converter.input_space, display=display, view=view)
        self._processor = converter.config.getProcessor(transform).getDefaultCPUProcessor()
        self._clip_said = False

    def apply(self, rgb):
        """(H, W, 3) working-space colour -> float32 display values."""
        out = np.array(rgb, dtype=np.float32, order="C", copy=True)
        self._processor.applyRGB(out)
        return out

    def show(self, plate, what):
        """A colour plate (H, W, 3 + extras) with its colour through the view, extras as they
        are; `what` (e.g. a file name) names the first frame whose extras leave 0..1."""
        extras = plate[..., 3:]
        if not self._clip_said and extras.size and (np.nanmin(extras) < 0.0 or np.nanmax(extras) > 1.0):
            self._clip_said = True  # once per output: the same channel overshoots on every frame
            warnings.warn(
                f"{what}: alpha/extra channel values in {float(np.nanmin(extras)):g}.."
                f"{float(np.nanmax(extras)):g} are clipped to 0..1 by the integer file (write EXR to "
                "keep them)"
            )
        return np.concatenate([self.apply(plate[..., :3]), extras], axis=2)


def display_view_for(converter, destination, pixel_type):
    """The DisplayView an output `destination` of `pixel_type` ("uint8", "uint16", "half",
    "float") needs for the working space of `converter` (a ColourConverter, or None), or None:
    float files keep scene-linear values, and display-referred or log working spaces fit
    integer files as they are. OutputError when the config has no display view."""
    if converter is None or pixel_type not in INTEGER_TYPES or not converter.linear:
        return None
    config = converter.config
    display = config.getDefaultDisplay()
    view = config.getDefaultView(display) if display else ""
    if not display or not view:
        raise OutputError(
            f"OUTPUT {destination}: {pixel_type} pixels cannot hold scene-linear values "
            f"({converter.input_space}) and OCIO config {config.getName() or '(unnamed)'!r} has no "
            "display view to render them through; write EXR (or float TIFF/DPX), or use a config "
            "with a default display and view"
        )
    warnings.warn(
        f"{destination}: scene-linear {converter.input_space} goes through OCIO display {display!r}, "
        f"view {view!r} (its {pixel_type} pixels hold display values only; write EXR to keep scene-linear "
        "values)"
    )
    return DisplayView(converter, display, view, destination)


def display_format(pixel_format, converter, destination, extension):
    """The input's PixelFormat for an image OUTPUT of type `extension`, carrying the DisplayView
    its colour goes through when that file type holds integers (excolor.io.write_image applies
    it)."""
    dtype = pixel_format.in_colour().for_extension(extension).dtype
    return dataclasses.replace(pixel_format, view=display_view_for(converter, destination, dtype))
