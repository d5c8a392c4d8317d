"""The model directory: the contract between export (PyTorch side) and the node (runtime side).

A model directory holds (at least) three ONNX graphs and `manifest.json`:

  reference.onnx       reference_lab (1,3,H,W)            -> reference features + pooled ab
  correspondence.onnx  frame_l (1,1,H,W) + those outputs  -> warped_ab (1,2,H,W), confidence (1,1,H,W)
  colorization.onnx    frame_l, warped_ab, confidence, previous_lab (1,3,H,W) -> ab (1,2,H,W)

and may hold a fourth, `fusion.onnx` (excolor.engine.fusion_graph: the per-pixel weighing of a
frame's colour candidates); without it the node fuses by a hand-set rule.

Lab everywhere is CIELAB (D65, 2 deg) from sRGB, L centred (L - 50), ab raw (about +-110).
This module writes and verifies the manifest; it never imports torch or onnxruntime.
"""
import dataclasses
import json
import math
import os
from pathlib import Path

import platformdirs

from ..errors import ModelError, ModelNotFoundError
from ..files import file_sha256, write_atomically

FORMAT_VERSION = 1
MANIFEST_NAME = "manifest.json"
GRAPH_NAMES = ("reference", "correspondence", "colorization")
OPTIONAL_GRAPH_NAMES = ("fusion",)
# Inputs and outputs that the node relies on by name; a lite model may add inputs to the
# correspondence graph, but these must be there.
REQUIRED_IO = {
    "reference": (("reference_lab",), ()),
    "correspondence": (("frame_l",), ("warped_ab", "confidence")),
    "colorization": (("frame_l", "warped_ab", "confidence", "previous_lab"), ("ab",)),
    "fusion": (("lightness", "candidate_ab", "candidate_error", "candidate_quality", "present"),
               ("ab", "weights", "matte")),
}
DEFAULT_MODEL_NAME = "default"


@dataclasses.dataclass(frozen=True)
class TensorSpec:
    """One graph input or output. Symbolic dims are strings ("height", "width")."""

    name: str
    dtype: str
    shape: tuple

    @classmethod
    def from_json(cls, data):
        return cls(data["name"], data["dtype"], tuple(data["shape"]))


@dataclasses.dataclass(frozen=True)
class GraphSpec:
    file: str
    sha256: str
    inputs: tuple
    outputs: tuple

    @classmethod
    def from_json(cls, data):
        return cls(
            data["file"],
            data["sha256"],
            tuple(TensorSpec.from_json(t) for t in data["inputs"]),
            tuple(TensorSpec.from_json(t) for t in data["outputs"]),
        )

    def input_names(self):
        return tuple(t.name for t in self.inputs)

    def output_names(self):
        return tuple(t.name for t in self.outputs)


@dataclasses.dataclass(frozen=True)
class SizeRule:
    """Which network sizes a model accepts: H and W multiples, and bounds on the sides."""

    multiple_h: int
    multiple_w: int
    min_side: int
    max_side: int
    default_long_side: int

    @classmethod
    def from_json(cls, data):
        return cls(**data)

    def fit(self, plate_height, plate_width, long_side=None):
        """Network (height, width) for a plate: the plate's aspect, long side near `long_side`.

        Each side is rounded up to its multiple, so the plate is padded, never cropped, to fit.
        """
        long_side = self.default_long_side if long_side is None else int(long_side)
        if not self.min_side <= long_side <= self.max_side:
            raise ValueError(
                f"network long side {long_side} is outside this model's range "
                f"{self.min_side}..{self.max_side}"
            )
        scale = long_side / max(plate_height, plate_width)
        height = max(self.min_side, math.ceil(plate_height * scale / self.multiple_h) * self.multiple_h)
        width = max(self.min_side, math.ceil(plate_width * scale / self.multiple_w) * self.multiple_w)
        return height, width


@dataclasses.dataclass(frozen=True)
class Manifest:
    """Everything a runtime needs to know about a model directory (see module docstring)."""

    architecture: str
    size_rule: SizeRule
    temperature: object  # float, or None for a hard argmax
    saturation: float
    opset: int
    precision: str
    graphs: dict  # name -> GraphSpec
    colour: dict = dataclasses.field(default_factory=lambda: dict(COLOUR_CONVENTION))
    parity: dict = dataclasses.field(default_factory=dict)  # graph -> output -> max |onnx - torch|
    provenance: dict = dataclasses.field(default_factory=dict)
    format_version: int = FORMAT_VERSION

    def to_json(self):
        data = dataclasses.asdict(self)
        return json.dumps(data, indent=2, sort_keys=True) + "\n"

    @classmethod
    def from_json(cls, data):
        data = dict(data)
        data["size_rule"] = SizeRule.from_json(data["size_rule"])
        data["graphs"] = {name: GraphSpec.from_json(g) for name, g in data["graphs"].items()}
        return cls(**data)


COLOUR_CONVENTION = {
    "space": "CIELAB, D65 white, 2 degree observer, from sRGB (IEC 61966-2-1)",
    "l_offset": 50.0,
    "ab_scale": 1.0,
    "layout": "NCHW float32",
}


@dataclasses.dataclass(frozen=True)
class ModelDir:
    """A verified model directory: its path and manifest."""

    path: Path
    manifest: Manifest

    def graph_path(self, name):
        return self.path / self.manifest.graphs[name].file

    def sha256(self):
        """One hash for the whole model: the manifest's bytes (which carry every graph's hash)."""
        return file_sha256(self.path / MANIFEST_NAME)


def write_manifest(model_dir, manifest):
    """Write `manifest.json` atomically (temp file, then rename)."""
    write_atomically(Path(model_dir) / MANIFEST_NAME, manifest.to_json())


def load_model_dir(path, verify_hashes=True):
    """Read and verify a model directory; every failure names the file and what is wrong."""
    path = Path(path)
    manifest_path = path / MANIFEST_NAME
    if not path.is_dir():
        raise ModelNotFoundError(f"{path}: not a model directory (no such folder)")
    if not manifest_path.is_file():
        raise ModelError(f"{manifest_path}: missing; a model directory needs {MANIFEST_NAME}")
    try:
        manifest = Manifest.from_json(json.loads(manifest_path.read_text()))
    except (ValueError, KeyError, TypeError) as error:
        raise ModelError(f"{manifest_path}: not a valid excolor manifest ({error})") from error
    if manifest.format_version != FORMAT_VERSION:
        raise ModelError(
            f"{manifest_path}: format version {manifest.format_version}, this excolor reads "
            f"version {FORMAT_VERSION}"
        )
    for name in GRAPH_NAMES:
        if name not in manifest.graphs:
            raise ModelError(f"{manifest_path}: lists no '{name}' graph")
    unknown = [name for name in manifest.graphs if name not in GRAPH_NAMES + OPTIONAL_GRAPH_NAMES]
    if unknown:
        raise ModelError(f"{manifest_path}: lists graphs this excolor does not know: {', '.join(unknown)}")
    for name in GRAPH_NAMES + tuple(n for n in OPTIONAL_GRAPH_NAMES if n in manifest.graphs):
        spec = manifest.graphs[name]
        graph_path = path / spec.file
        if not graph_path.is_file():
            raise ModelError(f"{graph_path}: missing ({name} graph named in {manifest_path})")
        inputs, outputs = REQUIRED_IO[name]
        missing = [n for n in inputs if n not in spec.input_names()]
        missing += [n for n in outputs if n not in spec.output_names()]
        if missing:
            raise ModelError(f"{manifest_path}: the {name} graph lacks {', '.join(missing)}")
        if verify_hashes:
            actual = file_sha256(graph_path)
            if actual != spec.sha256:
                raise ModelError(
                    f"{graph_path}: sha256 {actual[:12]}... does not match the manifest's "
                    f"{spec.sha256[:12]}... (file changed or corrupt; re-export the model)"
                )
    return ModelDir(path, manifest)


def user_models_dir():
    """Where named models live: $EXCOLOR_MODELS, else the platform's user data folder."""
    if os.environ.get("EXCOLOR_MODELS"):
        return Path(os.environ["EXCOLOR_MODELS"])
    return Path(platformdirs.user_data_dir("excolor")) / "models"


def packaged_models_dir():
    return Path(__file__).resolve().parents[1] / "bundled_models"


def find_model(name_or_dir=None):
    """Resolve `--model NAME|DIR` (None means the default model shipped in the package)."""
    name_or_dir = name_or_dir or DEFAULT_MODEL_NAME
    candidate = Path(name_or_dir)
    if candidate.is_file():
        raise ModelNotFoundError(f"{candidate} is a file, not a model: a model is a folder (with its "
                                 f"{MANIFEST_NAME}), or the name of one excolor knows")
    if candidate.is_dir() or os.sep in str(name_or_dir) or str(name_or_dir).startswith("."):
        return load_model_dir(candidate)
    for root in (user_models_dir(), packaged_models_dir()):
        if (root / name_or_dir).is_dir():
            return load_model_dir(root / name_or_dir)
    known = sorted(
        p.name for root in (user_models_dir(), packaged_models_dir()) if root.is_dir()
        for p in root.iterdir() if (p / MANIFEST_NAME).is_file()
    )
    raise ModelNotFoundError(
        f"model '{name_or_dir}' not found as a folder, in {user_models_dir()} or among the "
        f"packaged models; known: {', '.join(known) or 'none'}"
    )
