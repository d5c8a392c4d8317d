"""Working space <-> the network's display sRGB with OpenColorIO, changing chroma only.

The network sees display-referred sRGB in 0..1 (the space its Lab was computed in). A plate arrives
in the host's working space: display-referred video, or scene-linear EXR with values far above 1.
`ColourConverter` takes the plate to display sRGB for the network (`to_display`) and brings the
colorized result back (`recombine`) so that the output's luma, Y = luma_coefficients . rgb with
the config's coefficients, equals the plate's exactly (to float precision, HDR included): only
chroma is taken from the network. Colours that leave the gamut lose chroma at constant Y, with one
factor per pixel; no channel is ever clipped.

Defaults (used when no config / colourspace is given):
- config: the one `$OCIO` names, as Nuke, Blender and OpenImageIO read it (an explicit config
  wins over it), else OCIO's built-in CG config (`ocio://cg-config-latest`; v5.0.0 with OCIO 2.6).
- input space by input kind: "video" (8-bit/16-bit integer video and stills, display-referred) ->
  "sRGB Encoded Rec.709 (sRGB)", so an sRGB plate reaches the network unchanged; "scene_linear"
  (EXR and other float files) -> "Linear Rec.709 (sRGB)", the scene-linear space Blender and Nuke
  use by default and the one most untagged EXRs are in. ACES pipelines pass input_space="ACEScg".
  With a host config, the defaults are its `scene_linear` role and its sRGB texture space.
- the network's space: "sRGB Encoded Rec.709 (sRGB)", i.e. the sRGB curve on Rec.709 primaries
  with no view transform, clipped to 0..1 for the network only. For scene-linear plates, pixels
  whose brightest channel exceeds `highlight_knee` (0.8) are first rolled off smoothly towards 1
  by scaling the whole pixel (which keeps its chromaticity), so HDR highlights such as skies still show the network a gradation to
  colour instead of a clipped white. `recombine` works on chromaticity in linear light, so this
  roll-off never reaches the output's luma.
"""
from __future__ import annotations

import difflib
import os
from pathlib import Path

import numpy as np
import PyOpenColorIO as ocio

from ..errors import InputError, UsageError

BUILTIN_CONFIG = "ocio://cg-config-latest"
INPUT_KINDS = ("video", "scene_linear")
SCENE_LINEAR_SUFFIXES = (".exr", ".hdr", ".pfm")
# The network's colourspace, under the names configs commonly give it (built-in CG/studio
# configs, older ACES configs, Blender, Nuke's default config), first match wins.
MODEL_SPACE_NAMES = (
    "sRGB Encoded Rec.709 (sRGB)",
    "srgb_tx",
    "sRGB - Texture",
    "Utility - sRGB - Texture",
    "Input - Generic - sRGB - Texture",
    "sRGB",
)
BUILTIN_DEFAULT_INPUT = {"video": "sRGB Encoded Rec.709 (sRGB)", "scene_linear": "Linear Rec.709 (sRGB)"}
# Encodings (OCIO colourspace attribute) whose values are bounded by 1; others may exceed it.
DISPLAY_REFERRED_ENCODINGS = ("sdr-video",)
UNBOUNDED_ENCODINGS = ("scene-linear", "log", "hdr-video", "edr-video")
LINEAR_ENCODINGS = ("scene-linear",)
# Below this luma a colorized pixel carries no usable chromaticity for scene-linear rescaling.
MIN_DISPLAY_LUMA = 1e-6
DEFAULT_HIGHLIGHT_KNEE = 0.8


def roll_off(values: np.ndarray, knee: float) -> np.ndarray:
    """Values mapped below 1: identity up to `knee`, then knee + (1 - knee) * t / (1 + t).

    t = (v - knee) / (1 - knee). Continuous with slope 1 at the knee, monotonic, below 1 for
    every finite v.
    """
    t = np.maximum(values - knee, 0.0) / (1.0 - knee)
    return np.where(values > knee, knee + (1.0 - knee) * t / (1.0 + t), values)


def input_kind_for(path: str | Path) -> str:
    """The input kind a file suggests: "scene_linear" for EXR/HDR/PFM, otherwise "video".

    Only a default: DPX/Cineon scans are often log-encoded, and some EXRs are ACEScg; those need
    an explicit input_space.
    """
    return "scene_linear" if Path(path).suffix.lower() in SCENE_LINEAR_SUFFIXES else "video"


def input_kind_for_pixels(pixel_type: str) -> str:
    """The input kind a file's stored pixel type suggests: float pixels ("half", "float") are
    taken as scene-linear, integer pixels as display-referred video. The CLI and the host
    adapters use this one rule so that they colour the same file alike."""
    return "scene_linear" if pixel_type in ("half", "float") else "video"


def config_source(config: str | Path | ocio.Config | None = None):
    """The config `load_config(config)` loads: `config` itself when given, else the one the
    `OCIO` environment variable names, else the built-in CG config's URI."""
    if config is not None:
        return config
    return os.environ.get("OCIO") or BUILTIN_CONFIG


def load_config(config: str | Path | ocio.Config | None = None) -> ocio.Config:
    """An OCIO config from a file path, an `ocio://` URI, a built-in name, or None ($OCIO's
    config when that variable is set, else the built-in CG config).

    Raises InputError naming the file when it is missing or not a valid config, UsageError listing
    the built-in names when an unknown built-in is asked for.
    """
    if isinstance(config, ocio.Config):
        return config
    from_environment = config is None and bool(os.environ.get("OCIO"))
    config = config_source(config)
    try:
        return _load(str(config))
    except (InputError, UsageError) as error:
        if from_environment:
            # Say where the name came from: the user typed no config on this command.
            raise type(error)(f"$OCIO: {error} (unset OCIO or pass --ocio-config)") from error
        raise


def _load(text: str) -> ocio.Config:
    builtin_names = [name for name in ocio.BuiltinConfigRegistry()]
    if text in builtin_names or text in ("cg-config-latest", "studio-config-latest", "default"):
        text = "ocio://" + text
    if text.startswith("ocio://"):
        try:
            return ocio.Config.CreateFromFile(text)
        except ocio.Exception as error:
            raise UsageError(
                f"unknown built-in OCIO config {text!r} ({error}); built-in configs: "
                + ", ".join(["ocio://default", "ocio://cg-config-latest", "ocio://studio-config-latest"] + builtin_names)
            ) from error
    path = Path(text)
    if not path.is_file():
        raise InputError(f"OCIO config file {str(path)!r} does not exist")
    try:
        return ocio.Config.CreateFromFile(str(path))
    except ocio.Exception as error:
        raise InputError(f"OCIO config file {str(path)!r} cannot be loaded: {error}") from error


def _space_names(config: ocio.Config) -> list[str]:
    return list(config.getColorSpaceNames(ocio.SEARCH_REFERENCE_SPACE_ALL, ocio.COLORSPACE_ALL))


def _resolve(config: ocio.Config, name: str, what: str) -> ocio.ColorSpace:
    """A colourspace by name, alias or role; UsageError naming the nearest names (a typo's
    fix) and listing the valid ones otherwise."""
    space = config.getColorSpace(name)
    if space is None:
        names = _space_names(config)
        near = difflib.get_close_matches(name, names, n=3, cutoff=0.6)
        hint = f"did you mean {' or '.join(repr(n) for n in near)}? " if near else ""
        raise UsageError(
            f"{what} {name!r} is not a colourspace of OCIO config {config.getName() or '(unnamed)'}; "
            f"{hint}valid names (aliases and roles also work): {', '.join(names)}"
        )
    return space


def _find_first(config: ocio.Config, names) -> ocio.ColorSpace | None:
    for name in names:
        space = config.getColorSpace(name)
        if space is not None:
            return space
    return None


def gamut_limited(base: np.ndarray, chroma: np.ndarray, upper_bound: np.ndarray | None) -> np.ndarray:
    """base + k * chroma with the largest k in [0, 1] per pixel keeping every channel in range.

    base (H, W) is the gray level (all channels equal), chroma (H, W, 3) a luma-free offset; the
    range is >= 0, and <= 1 where `upper_bound` (H, W) bool is True. Where base itself is out of
    range (negative, or above 1 under a bound), k = 0: the pixel stays gray at its luma.
    Returns (H, W, 3) in chroma's dtype.
    """
    # All channels share the gray level, so the binding constraints come from the most negative
    # and the most positive offsets alone. In-place passes: this runs on every full-size frame.
    lowest = np.minimum(chroma[..., 0], chroma[..., 1])
    np.minimum(lowest, chroma[..., 2], out=lowest)
    k = np.full(lowest.shape, np.inf, dtype=np.result_type(base, lowest))
    with np.errstate(divide="ignore", invalid="ignore"):
        np.divide(base, np.negative(lowest, out=lowest), out=k, where=lowest > 0)
        if upper_bound is not None:
            highest = np.maximum(chroma[..., 0], chroma[..., 1])
            np.maximum(highest, chroma[..., 2], out=highest)
            limit = np.subtract(1.0, base, dtype=k.dtype)
            limit /= highest
            np.putmask(limit, ~(upper_bound & (highest > 0)), np.inf)  # min(k, inf) keeps k
            np.minimum(k, limit, out=k)
    np.nan_to_num(k, copy=False, nan=0.0, posinf=1.0)
    np.clip(k, 0.0, 1.0, out=k)
    out = chroma * k.astype(chroma.dtype, copy=False)[..., None]
    out += base[..., None]
    # k puts the limiting channel exactly on the bound; float rounding can leave it an ulp
    # beyond (e.g. -1e-6 beside a channel of 16). Snap those residues, nothing more: a pixel whose
    # gray level is itself out of range (k = 0) keeps it, so its luma stays the plate's.
    # Per-pixel floors and ceilings (-inf / inf where a pixel is left alone) broadcast over
    # the channels much faster than a `where=` mask does.
    floor = np.where(base >= 0, np.float32(0.0), np.float32(-np.inf)).astype(out.dtype, copy=False)
    np.maximum(out, floor[..., None], out=out)
    if upper_bound is not None:
        ceiling = np.where(upper_bound & (base <= 1.0), np.float32(1.0), np.float32(np.inf))
        np.minimum(out, ceiling.astype(out.dtype, copy=False)[..., None], out=out)
    return out


def _weighted_channels(image: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """(H, W) float32 sum_c weights[c] * image[..., c], by elementwise passes (a 3-wide BLAS
    product is no faster and its threads stall when the machine's cores are shared)."""
    image = np.asarray(image, dtype=np.float32)
    out = image[..., 0] * weights[0]
    out += image[..., 1] * weights[1]
    out += image[..., 2] * weights[2]
    return out


class ColourConverter:
    """Converts between the host's working space and the network's display sRGB (see module doc).

    config: a config file path, an `ocio://` URI or built-in name, an `ocio.Config`, or None for
    OCIO's built-in CG config. input_space: the plate's colourspace (name, alias or role) in that
    config; None picks the default for `input_kind` ("video" or "scene_linear").
    highlight_knee: for linear working spaces, the level above which `to_display` rolls highlights
    off towards 1 (None: clip instead). Attributes: input_space, model_space, luma_coefficients
    (3,) float64, display_referred, linear.
    Processors are built once here; the object holds no other state and is safe to share.
    """

    def __init__(
        self,
        config=None,
        input_space: str | None = None,
        *,
        input_kind: str = "video",
        highlight_knee: float | None = DEFAULT_HIGHLIGHT_KNEE,
    ):
        if input_kind not in INPUT_KINDS:
            raise UsageError(f"input kind {input_kind!r} is unknown; valid kinds: {', '.join(INPUT_KINDS)}")
        if highlight_knee is not None and not 0.0 < highlight_knee < 1.0:
            raise UsageError(f"highlight_knee must be in (0, 1) or None, got {highlight_knee}")
        self.highlight_knee = highlight_knee
        self.config = load_config(config)
        self.input_kind = input_kind
        builtin = ocio.Config.CreateFromFile(BUILTIN_CONFIG)
        if input_space is None:
            input_space = self._default_input_space()
        space = _resolve(self.config, input_space, "input colourspace")
        self.input_space = space.getName()
        self.luma_coefficients = np.array(self.config.getDefaultLumaCoefs(), dtype=np.float64)
        encoding = space.getEncoding()
        if encoding in DISPLAY_REFERRED_ENCODINGS:
            self.display_referred = True
        elif encoding in UNBOUNDED_ENCODINGS:
            self.display_referred = False
        else:  # host configs often leave `encoding` empty: trust the kind of input.
            self.display_referred = input_kind == "video"
        # Chroma from the network scales with luma in linear light (HDR highlights keep their
        # chromaticity); in encoded (video) spaces it is an offset, as Cb/Cr are to Y'.
        self.linear = encoding in LINEAR_ENCODINGS or (not encoding and input_kind == "scene_linear")
        self._to_model, self._from_model, self.model_space = self._processors(builtin)

    def _default_input_space(self) -> str:
        if _find_first(self.config, [BUILTIN_DEFAULT_INPUT[self.input_kind]]) is not None:
            return BUILTIN_DEFAULT_INPUT[self.input_kind]
        if self.input_kind == "scene_linear" and self.config.hasRole(ocio.ROLE_SCENE_LINEAR):
            return ocio.ROLE_SCENE_LINEAR
        found = _find_first(self.config, MODEL_SPACE_NAMES) if self.input_kind == "video" else None
        if found is None:
            raise UsageError(
                f"no default {self.input_kind} colourspace in OCIO config {self.config.getName()!r}: pass "
                f"input_space, one of: {', '.join(_space_names(self.config))}"
            )
        return found.getName()

    def _processors(self, builtin: ocio.Config):
        """CPU processors working -> model and model -> working, and the model space's name."""
        model = _find_first(self.config, MODEL_SPACE_NAMES)
        if model is not None:
            to_model = self.config.getProcessor(self.input_space, model.getName())
            from_model = self.config.getProcessor(model.getName(), self.input_space)
            return to_model.getDefaultCPUProcessor(), from_model.getDefaultCPUProcessor(), model.getName()
        # The host config lacks an sRGB texture space: go through the configs' interchange spaces.
        target = BUILTIN_DEFAULT_INPUT["video"]
        try:
            to_model = ocio.Config.GetProcessorFromConfigs(self.config, self.input_space, builtin, target)
            from_model = ocio.Config.GetProcessorFromConfigs(builtin, target, self.config, self.input_space)
        except ocio.Exception as error:
            raise UsageError(
                f"OCIO config {self.config.getName()!r} has no sRGB texture colourspace (looked for "
                f"{', '.join(MODEL_SPACE_NAMES)}) and no interchange role to reach one: {error}"
            ) from error
        return to_model.getDefaultCPUProcessor(), from_model.getDefaultCPUProcessor(), f"{target} (built-in)"

    def converter_from(self, space: str, what: str):
        """A function taking (H, W, 3) float pixels in `space` (a name, alias or role of this
        config) into the working space: (H, W, 3) float32, values as OCIO gives them (nothing
        clipped or rolled off; `to_display` does that, as for a plate). UsageError naming `what`
        (e.g. "--reference-colorspace") and the nearest names when the config has no `space`."""
        processor = self.config.getProcessor(_resolve(self.config, space, what).getName(), self.input_space)
        return lambda pixels: self._apply(processor.getDefaultCPUProcessor(), pixels)

    @property
    def works_in_model_space(self) -> bool:
        """True when the working space is the network's display sRGB itself: both OCIO transforms
        are no-ops and chroma is an offset, so the per-pixel work is fixed arithmetic (what
        `excolor.colour.work_graphs` runs on the network's device)."""
        return self._to_model.isNoOp() and self._from_model.isNoOp() and not self.linear

    @staticmethod
    def _check_rgb(image: np.ndarray, name: str) -> np.ndarray:
        image = np.asarray(image)
        if image.ndim != 3 or image.shape[2] != 3:
            raise InputError(
                f"{name} must be HxWx3 (RGB only; split off alpha and extra channels and pass them "
                f"through), got shape {image.shape}"
            )
        if not np.issubdtype(image.dtype, np.floating):
            raise InputError(f"{name} must be float (working-space values), got dtype {image.dtype}")
        return image

    def _apply(self, processor, image: np.ndarray) -> np.ndarray:
        """A float32 copy of image (H, W, 3) with the processor applied (skipped when it is a no-op)."""
        out = np.array(image, dtype=np.float32, order="C", copy=True)
        if not processor.isNoOp():
            processor.applyRGB(out)
        return out

    def to_display(self, rgb_working: np.ndarray) -> np.ndarray:
        """Working-space plate (H, W, 3) float -> display sRGB (H, W, 3) float32 in 0..1 for the network.

        In linear working spaces highlights above `highlight_knee` are rolled off first (module doc);
        what still lies outside 0..1 is clipped. This image only feeds the network; the plate's
        own values return through `recombine`.
        """
        rgb = self._check_rgb(rgb_working, "rgb_working")
        if self.linear and self.highlight_knee is not None:
            # Scale by the brightest channel, not luma, so saturated highlights fit under 1 too.
            peak = np.asarray(rgb, dtype=np.float64).max(axis=-1)
            with np.errstate(divide="ignore", invalid="ignore"):
                scale = np.where(peak > self.highlight_knee, roll_off(peak, self.highlight_knee) / peak, 1.0)
            rgb = rgb * scale[..., None].astype(np.float32)
        return np.clip(self._apply(self._to_model, rgb), 0.0, 1.0)

    def luma(self, rgb: np.ndarray) -> np.ndarray:
        """Y (H, W) of a working-space image (H, W, 3) with the config's luma coefficients, float64."""
        return np.asarray(rgb, dtype=np.float64) @ self.luma_coefficients

    def recombine(self, plate_working: np.ndarray, colorized_display: np.ndarray, saturation: float = 1.0) -> np.ndarray:
        """The plate's luma with the colorized image's chroma, in the working space.

        plate_working (H, W, 3) float: the original plate (its chroma, if any, is replaced).
        colorized_display (H, W, 3) float: the network's result in display sRGB (0..1, may exceed).
        saturation: scales the chroma before the gamut limit (1.0 keeps the network's).
        Returns (H, W, 3) float32 whose luma equals the plate's (relative error ~1e-7, values
        above 1 included); chroma is reduced per pixel, never clipped per channel, so that channels
        stay >= 0 and, for display-referred spaces, <= 1 where the plate's luma is <= 1.
        """
        plate = self._check_rgb(plate_working, "plate_working")
        colorized = self._check_rgb(colorized_display, "colorized_display")
        if plate.shape != colorized.shape:
            raise InputError(f"plate {plate.shape} and colorized image {colorized.shape} differ in size")
        if saturation < 0:
            raise UsageError(f"saturation must be >= 0, got {saturation}")
        # float32 throughout (4K frames): the luma identity below holds to a few float32 ulps.
        weights = self.luma_coefficients.astype(np.float32)
        weight_sum = np.float32(self.luma_coefficients.sum())
        colour = self._apply(self._from_model, colorized)
        luma_plate = _weighted_channels(plate, weights)
        luma_colour = _weighted_channels(colour, weights)
        chroma = colour
        chroma -= (luma_colour / weight_sum)[..., None]
        if self.linear:
            scale = np.maximum(luma_plate, 0.0) / np.maximum(luma_colour, np.float32(MIN_DISPLAY_LUMA))
            chroma *= scale[..., None]
        if saturation != 1.0:
            chroma *= np.float32(saturation)
        # Remove what luma the offset still carries (rounding), so the sum below is exact.
        residue = _weighted_channels(chroma, weights)
        residue /= weight_sum
        chroma -= residue[..., None]
        base = luma_plate
        base /= weight_sum
        upper = (luma_plate <= 1.0) if self.display_referred else None
        return gamut_limited(base, chroma, upper)

    def __repr__(self) -> str:
        return (
            f"ColourConverter(config={self.config.getName()!r}, input_space={self.input_space!r}, "
            f"model_space={self.model_space!r}, display_referred={self.display_referred})"
        )
