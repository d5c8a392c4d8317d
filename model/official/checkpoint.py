"""Import the authors' three released checkpoint files into an `OfficialColorizer`.

The release tree (or any folder) holds `vgg19_conv*.pth`, `nonlocal_net*.pth` and
`colornet*.pth` (the release's names carry `_iter_76000`). Each is a plain state_dict, read with
`torch.load(..., weights_only=True)`, remapped by the pure `checkpoint_filter_fn`, checked key by
key and shape by shape, and loaded strictly. Every failure is a CheckpointError naming the file.
"""
import hashlib
import pickle
import zipfile
from pathlib import Path

import torch

from excolor.errors import CheckpointError
from excolor.files import file_sha256

from .model import OfficialColorizer

# File stem -> glob pattern, in the order the files are reported.
FILE_PATTERNS = {
    "vgg19_conv": "vgg19_conv*.pth",
    "nonlocal_net": "nonlocal_net*.pth",
    "colornet": "colornet*.pth",
}
WRAPPER_KEYS = ("state_dict", "model")  # containers some training scripts save around the weights
LISTED_KEYS = 5  # how many offending keys a message names


def find_checkpoint_files(root):
    """{stem: Path} for the three files under `root` (a folder, searched recursively).

    Raises CheckpointError naming `root` and the pattern when a file is absent or ambiguous.
    """
    root = Path(root)
    if root.is_file():
        raise CheckpointError(
            f"{root}: is a file; give the folder the release unzips to (or one holding "
            f"{', '.join(FILE_PATTERNS.values())})"
        )
    if not root.is_dir():
        raise CheckpointError(
            f"{root}: no such folder; give the unzipped release tree or a folder holding "
            f"{', '.join(FILE_PATTERNS.values())}"
        )
    found = {}
    for stem, pattern in FILE_PATTERNS.items():
        matches = sorted(p for p in root.rglob(pattern) if p.is_file())
        if not matches:
            raise CheckpointError(f"{root}: no file matching {pattern} (the {stem} checkpoint)")
        if len(matches) > 1:
            names = ", ".join(str(p.relative_to(root)) for p in matches)
            raise CheckpointError(f"{root}: several files match {pattern} ({names}); keep one")
        found[stem] = matches[0]
    return found


def read_state_dict(path):
    """torch.load(path, weights_only=True) -> dict of tensors; CheckpointError naming `path`."""
    path = Path(path)
    try:
        data = torch.load(path, map_location="cpu", weights_only=True)
    except (RuntimeError, EOFError, ValueError, OSError, pickle.UnpicklingError,
            zipfile.BadZipFile) as error:
        raise CheckpointError(
            f"{path}: not a readable PyTorch checkpoint (truncated, corrupt or another "
            f"format): {error}"
        ) from error
    if not isinstance(data, dict):
        raise CheckpointError(f"{path}: holds a {type(data).__name__}, not a state_dict")
    return data


def checkpoint_filter_fn(state_dict, model):
    """Pure remapping of a loaded file to `model`'s keys (returns a new dict).

    The release's own layout passes through unchanged; a `state_dict`/`model` wrapper is
    unwrapped and a DataParallel `module.` prefix stripped, as other scripts save them.
    """
    expected = model.state_dict()
    if set(state_dict) == set(expected):
        return dict(state_dict)
    for key in WRAPPER_KEYS:
        if isinstance(state_dict.get(key), dict):
            state_dict = state_dict[key]
            break
    prefix = "module."
    return {(k[len(prefix):] if k.startswith(prefix) else k): v for k, v in state_dict.items()}


def check_state_dict(state_dict, model, path):
    """Raise CheckpointError naming `path` and the first missing, unexpected or mis-shaped keys."""
    expected = model.state_dict()
    problems = []
    missing = [k for k in expected if k not in state_dict]
    unexpected = [k for k in state_dict if k not in expected]
    not_tensors = [k for k in state_dict if k in expected and not torch.is_tensor(state_dict[k])]
    mis_shaped = [
        f"{k} {tuple(state_dict[k].shape)} (expected {tuple(expected[k].shape)})"
        for k in expected
        if k in state_dict and torch.is_tensor(state_dict[k])
        and tuple(state_dict[k].shape) != tuple(expected[k].shape)
    ]
    for label, keys in (("missing keys", missing), ("unexpected keys", unexpected),
                        ("values that are not tensors", not_tensors),
                        ("mis-shaped keys", mis_shaped)):
        if keys:
            more = f" and {len(keys) - LISTED_KEYS} more" if len(keys) > LISTED_KEYS else ""
            problems.append(f"{label}: {', '.join(keys[:LISTED_KEYS])}{more}")
    if problems:
        raise CheckpointError(f"{path}: does not fit the official architecture: {'; '.join(problems)}")


def load_official(root, temperature=None, float64_stats=False):
    """Build an OfficialColorizer from the release files under `root`.

    Returns (model in eval mode, record) where record = {"files": {stem: {"path", "sha256"}},
    "checkpoint_sha256": hash over the three files' hashes}.
    """
    files = find_checkpoint_files(root)
    # Built without memory or random init (60M parameters); loading assigns the file's tensors.
    with torch.device("meta"):
        model = OfficialColorizer(temperature=temperature, float64_stats=float64_stats)
    record = {}
    for stem, module in model.parts().items():
        path = files[stem]
        state_dict = checkpoint_filter_fn(read_state_dict(path), module)
        check_state_dict(state_dict, module, path)
        module.load_state_dict({k: v.float().contiguous() for k, v in state_dict.items()},
                              strict=True, assign=True)
        record[stem] = {"path": str(path), "sha256": file_sha256(path)}
    combined = hashlib.sha256("".join(record[s]["sha256"] for s in FILE_PATTERNS).encode())
    return model.eval(), {"files": record, "checkpoint_sha256": combined.hexdigest()}
