"""`excolor info MODEL`: what a model directory holds, in words."""
import argparse

from ..modeldir import find_model

DESCRIPTION = """\
Describe a model: its architecture, the network sizes it accepts, the matching temperature,
each ONNX graph (inputs, outputs, file size, sha256), how closely the graphs reproduce
PyTorch, and where the weights came from. The directory is verified first (manifest and
graph hashes), so 'excolor info' also tells whether a model directory is intact.

MODEL is a model directory, or a name looked up in $EXCOLOR_MODELS (else the user data
folder) and among the models shipped with excolor; omitted, the default model.
"""
EPILOG = """\
examples:
  excolor info
  excolor info official
  excolor info ./models/lite-v2
"""


def add_parser(sub):
    parser = sub.add_parser(
        "info", help="describe a model directory (graphs, sizes, parity, provenance)",
        description=DESCRIPTION, epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("model", metavar="MODEL", nargs="?", default=None,
                        help="model directory or name (default: the shipped default model)")
    parser.set_defaults(run=run)
    return parser


def _megabytes(path):
    return path.stat().st_size / 1e6


def _shape(spec):
    return "x".join(str(d) for d in spec.shape)


def describe(model_dir):
    """Lines of text describing a verified ModelDir."""
    manifest = model_dir.manifest
    rule = manifest.size_rule
    temperature = manifest.temperature
    lines = [
        f"model       {model_dir.path}",
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
    for name, graph in manifest.graphs.items():
        path = model_dir.path / graph.file
        lines.append(f"  {graph.file:<20} {_megabytes(path):8.1f} MB  sha256 {graph.sha256[:16]}...")
        for kind, tensors in (("in ", graph.inputs), ("out", graph.outputs)):
            for spec in tensors:
                lines.append(f"      {kind} {spec.name:<20} {spec.dtype:<8} {_shape(spec)}")
    lines.append("parity      max |ONNX Runtime - PyTorch| on real photographs")
    for name, outputs in manifest.parity.items():
        for output, value in outputs.items():
            lines.append(f"  {name + '.' + output:<34} {value:.3g}")
    lines.append("provenance")
    for key, value in sorted(manifest.provenance.items()):
        if isinstance(value, dict):
            lines.append(f"  {key}:")
            for sub_key, sub_value in value.items():
                lines.append(f"    {sub_key}: {sub_value}")
        else:
            lines.append(f"  {key}: {value}")
    return lines


def run(args):
    print("\n".join(describe(find_model(args.model))))
    return 0
