"""The runtime's layers, read from the source: every import (module level, inside functions,
under TYPE_CHECKING) of every module in plugin/, model/, export/, host_integration/ and
benchmarks/ must go down the layers, and no import cycle may exist.

    commands (excolor.cli)  ->  render job (excolor.render)  ->  engine (excolor.engine)
        ->  colour (excolor.colour), I/O (excolor.io)  ->  ONNX Runtime (excolor.ort)
    shot lists (excolor.shotlists) beside the render job: they read files (I/O), never the
    engine or the render job.

Loose modules at the top of the package import no layer package; the package face
(`excolor/__init__.py`) only re-exports public names of the engine on first use.
"""
import ast
from pathlib import Path

import pytest

REPOSITORY = Path(__file__).resolve().parents[1]
FOLDERS = {"plugin": "excolor", "model": "excolor.model", "export": "excolor.export",
           "host_integration": "excolor.hosts", "benchmarks": "benchmarks"}
# What each layer package may import of excolor's own packages (besides the loose modules).
MAY_IMPORT = {
    "excolor.cli": {"excolor.render", "excolor.engine", "excolor.shotlists", "excolor.colour", "excolor.io",
                    "excolor.ort", "excolor.hosts", "excolor.model", "excolor.export"},
    "excolor.render": {"excolor.engine", "excolor.shotlists", "excolor.colour", "excolor.io", "excolor.ort"},
    "excolor.shotlists": {"excolor.io"},
    "excolor.engine": {"excolor.colour", "excolor.io", "excolor.ort"},
    "excolor.colour": {"excolor.ort"},
    "excolor.io": set(),
    "excolor.ort": set(),
}
MAX_LOOSE = 6


def module_name(path):
    folder, *rest = path.relative_to(REPOSITORY).with_suffix("").parts
    if rest[-1] == "__init__":
        rest = rest[:-1]
    return ".".join([FOLDERS[folder], *rest])


def modules():
    found = {}
    for folder in FOLDERS:
        for path in (REPOSITORY / folder).rglob("*.py"):
            found[module_name(path)] = path
    return found


MODULES = modules()


def imports_of(name, path):
    """Every excolor (or benchmarks) module `name` imports, anywhere in its file, resolved to
    the longest known module name."""
    tree = ast.parse(path.read_text(), str(path))
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = set()
    for node in ast.walk(tree):
        targets = []
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                module = ".".join(base + ([node.module] if node.module else []))
            else:
                module = node.module or ""
            targets = [f"{module}.{alias.name}" for alias in node.names] + [module]
        for target in targets:
            while target and target not in MODULES:
                target = target.rpartition(".")[0]
            if target:
                found.add(target)
    found.discard(name)
    return found


GRAPH = {name: imports_of(name, path) for name, path in MODULES.items()}


def layer_of(name):
    for layer in MAY_IMPORT:
        if name == layer or name.startswith(layer + "."):
            return layer
    return None


def test_loose_modules_are_few_and_import_no_layer():
    loose = sorted(name for name in MODULES
                   if name.count(".") == 1 and name.startswith("excolor.") and layer_of(name) is None
                   and name not in ("excolor.model", "excolor.export", "excolor.hosts"))
    assert len(loose) + 1 <= MAX_LOOSE, f"the face and {loose}"
    for name in loose:
        if name == "excolor.__main__":  # `python -m excolor`: the command's entry
            continue
        layered = sorted(target for target in GRAPH[name] if layer_of(target))
        assert not layered, f"{name} is loose but imports {layered}"


@pytest.mark.parametrize("layer", sorted(MAY_IMPORT))
def test_layers_import_only_downwards(layer):
    wrong = []
    for name, targets in GRAPH.items():
        if layer_of(name) != layer:
            continue
        for target in targets:
            target_layer = layer_of(target)
            if target.startswith(("excolor.model", "excolor.export", "excolor.hosts")):
                target_layer = target.split(".")[0] + "." + target.split(".")[1]
            if target_layer and target_layer != layer and target_layer not in MAY_IMPORT[layer]:
                wrong.append(f"{name} -> {target}")
    assert not wrong, "imports against the layers' direction:\n" + "\n".join(wrong)


def test_only_the_commands_import_model_export_or_torch():
    """excolor.model and excolor.export (and torch) only from the commands, and there only
    inside functions, so that `excolor --help` and every other command stay light."""
    wrong = []
    for name, path in MODULES.items():
        if not name.startswith("excolor") or name.startswith(("excolor.model", "excolor.export")):
            continue
        tree = ast.parse(path.read_text())
        module_level = {id(node) for node in tree.body}
        for node in ast.walk(tree):
            if not isinstance(node, (ast.Import, ast.ImportFrom)):
                continue
            spelled = [a.name for a in node.names] if isinstance(node, ast.Import) else [node.module or ""]
            heavy = [s for s in spelled if s.split(".")[0] == "torch"
                     or s.startswith(("excolor.model", "excolor.export"))
                     or (isinstance(node, ast.ImportFrom) and node.level and s.split(".")[0] in ("model", "export"))]
            if not heavy:
                continue
            if not name.startswith("excolor.cli"):
                wrong.append(f"{name} imports {heavy}")
            elif id(node) in module_level:
                wrong.append(f"{name} imports {heavy} at module level (commands import them lazily)")
    assert not wrong, "\n".join(wrong)


def test_no_import_cycles():
    """Tarjan's strongly connected components over the whole graph, function-level imports
    included; a package's __init__ re-exporting its own modules is not a cycle."""
    index, low, on_stack, stack, cycles, counter = {}, {}, set(), [], [], [0]

    def edges(name):
        # A module inside a package depends on that package's __init__ only through an import.
        return [t for t in GRAPH[name] if not (name.startswith(t + ".") and t in GRAPH)]

    def visit(node):
        index[node] = low[node] = counter[0]
        counter[0] += 1
        stack.append(node)
        on_stack.add(node)
        for target in edges(node):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                cycles.append(sorted(component))

    for name in sorted(GRAPH):
        if name not in index:
            visit(name)
    assert not cycles, f"import cycles: {cycles}"


def test_the_graph_is_read():
    """The reader above finds the imports it polices (a broken reader would pass every test)."""
    assert "excolor.engine.node" in GRAPH["excolor.render.job"]
    assert "excolor.colour.cielab" in GRAPH["excolor.engine.keyframe_colours"]
    assert "excolor.model.torch_required" in GRAPH["excolor.cli.train"]  # inside run(), lazily
