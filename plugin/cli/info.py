"""`excolor info MODEL`: what a model directory holds, in words (short or --verbose) or as JSON."""
import argparse
import dataclasses
import json

from ..engine.models import find_model
from ..errors import ProviderUnavailableError
from ..ort.providers import cuda_status, loaded_summary
from ..ort.sessions import import_onnxruntime, onnxruntime_build, onnxruntime_summary

DESCRIPTION = """\
Describe a model: its architecture, the network sizes it accepts, the matching temperature,
each ONNX graph (file size, sha256), how closely the graphs reproduce PyTorch, and where the
weights came from, and which ONNX Runtime build and execution providers are installed and
which of them load (an onnxruntime-gpu build whose CUDA or cuDNN libraries are missing offers
CUDA but cannot load it: ONNX Runtime's reason is shown, and device auto runs on the CPU). The
directory is verified first (manifest and graph hashes), so
'excolor info' also tells whether a model directory is intact.

By default a short summary; --verbose adds each graph's inputs and outputs and the whole
provenance record (training settings, data, benchmark results); --json prints everything as
one JSON object for scripts.

MODEL is a model directory, or a name looked up in $EXCOLOR_MODELS (else the user data
folder) and among the models shipped with excolor; omitted, the default model.
"""
EPILOG = """\
examples:
  excolor info
  excolor info official --verbose
  excolor info ./models/lite-v2 --json
"""
INDENT = "  "


def add_parser(sub):
    parser = sub.add_parser(
        "info", help="describe a model directory (graphs, sizes, parity, provenance)",
        description=DESCRIPTION, epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("model", metavar="MODEL", nargs="?", default=None,
                        help="model directory or name (default: the shipped default model)")
    form = parser.add_mutually_exclusive_group()
    form.add_argument("-v", "--verbose", action="store_true",
                      help="also each graph's tensors and the whole provenance record")
    form.add_argument("--json", action="store_true", help="everything as one JSON object")
    parser.set_defaults(run=run)
    return parser


def _megabytes(path):
    return path.stat().st_size / 1e6


def _shape(spec):
    return "x".join(str(d) for d in spec.shape)


def _loaded():
    try:
        return loaded_summary(import_onnxruntime())
    except ProviderUnavailableError:
        return "nothing (no ONNX Runtime installed)"


def describe(model_dir, verbose=False):
    """Lines of text describing a verified ModelDir: a summary, or everything with `verbose`."""
    manifest = model_dir.manifest
    rule = manifest.size_rule
    temperature = manifest.temperature
    lines = [
        f"model       {model_dir.path}",
        f"runtime     {onnxruntime_summary()}",
        f"loaded      {_loaded()}",
        f"architecture {manifest.architecture} (format {manifest.format_version}, opset "
        f"{manifest.opset}, {manifest.precision})",
        f"size rule   height a multiple of {rule.multiple_h}, width a multiple of {rule.multiple_w}, "
        f"sides {rule.min_side}..{rule.max_side}, default long side {rule.default_long_side}",
        "matching    " + ("hard argmax (each position takes its best match's colour)"
                          if temperature is None else f"softmax, temperature {temperature}"),
        f"saturation  x{manifest.saturation} applied by the node after the network",
        f"colour      {manifest.colour.get('space')}; L - {manifest.colour.get('l_offset')}, "
        f"ab x{manifest.colour.get('ab_scale')}",
        "graphs",
    ]
    for graph in manifest.graphs.values():
        path = model_dir.path / graph.file
        lines.append(f"  {graph.file:<20} {_megabytes(path):8.1f} MB  sha256 {graph.sha256[:16]}...")
        if verbose:
            for kind, tensors in (("in ", graph.inputs), ("out", graph.outputs)):
                for spec in tensors:
                    lines.append(f"      {kind} {spec.name:<20} {spec.dtype:<8} {_shape(spec)}")
    lines.append("parity      max |ONNX Runtime - PyTorch| on real photographs")
    for name, outputs in manifest.parity.items():
        for output, value in outputs.items():
            lines.append(f"  {name + '.' + output:<34} {value:.3g}")
    lines.append("provenance")
    if verbose:
        lines += _outline(manifest.provenance, 1)
    else:
        # The summary keeps the one-line facts; nested records are what --verbose is for.
        nested = []
        for key, value in sorted(manifest.provenance.items()):
            if isinstance(value, (dict, list)):
                nested.append(key)
            else:
                lines.append(f"  {key}: {value}")
        if nested:
            lines.append(f"  (and {', '.join(nested)}: excolor info --verbose, or --json)")
    return lines


def _outline(value, depth):
    """A JSON-like value as indented `key: value` lines (lists of records as `-` items)."""
    pad = INDENT * depth
    lines = []
    items = sorted(value.items()) if isinstance(value, dict) else enumerate(value)
    for key, item in items:
        label = f"{pad}{key}:" if isinstance(value, dict) else f"{pad}-"
        if isinstance(item, (dict, list)) and any(isinstance(x, (dict, list)) for x in _children(item)):
            lines.append(label)
            lines += _outline(item, depth + 1)
        elif isinstance(item, dict):
            lines.append(f"{label} " + ", ".join(f"{k} {v}" for k, v in sorted(item.items())))
        elif isinstance(item, list):
            lines.append(f"{label} " + ", ".join(str(x) for x in item))
        else:
            lines.append(f"{label} {item}")
    return lines


def _children(value):
    return value.values() if isinstance(value, dict) else value


def as_json(model_dir):
    """Everything `describe(verbose=True)` says, as one JSON-able dict."""
    manifest = dataclasses.asdict(model_dir.manifest)
    for name, graph in model_dir.manifest.graphs.items():
        manifest["graphs"][name]["bytes"] = (model_dir.path / graph.file).stat().st_size
    build = onnxruntime_build()
    if build["distributions"]:
        cuda = cuda_status(import_onnxruntime())
        build["cuda"] = {"offered": cuda.offered, "loaded": cuda.loaded, "reason": cuda.reason}
    return {"model": str(model_dir.path), "verified": True, "manifest": manifest, "onnxruntime": build}


def run(args):
    model_dir = find_model(args.model)
    if args.json:
        print(json.dumps(as_json(model_dir), indent=2, sort_keys=True))
    else:
        print("\n".join(describe(model_dir, verbose=args.verbose)))
    return 0
