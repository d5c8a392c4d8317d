"""The lite checkpoint: one torch file holding everything needed to rebuild the model.

    {"format": "excolor-lite-checkpoint", "version": 1,
     "config": LiteConfig as a dict, "state_dict": {name: tensor},
     "training": {...}   # record: steps, wall time, data, losses (JSON-like values)
     "resume": {...}}    # optional: optimizer/discriminator/RNG state (written by the trainer)

Files are written atomically (temp file, then rename) and read with `weights_only=True`. Loading
is strict: any missing, unexpected or mis-shaped key is a CheckpointError naming the file and
the first offending keys.
"""
import pickle
import zipfile
from pathlib import Path

import torch
from torch.torch_version import TorchVersion

from excolor.errors import CheckpointError
from excolor.files import replacing

from .config import LiteConfig
from .network import LiteColorizer

FORMAT_TAG = "excolor-lite-checkpoint"
FORMAT_VERSION = 1
_SHOWN_KEYS = 5
# The weights of the shipped default model (plugin/bundled_models/default was exported from
# them): the start for fine-tuning (`excolor train --init`) or for another export (e.g. fp16).
DEFAULT_CHECKPOINT = Path(__file__).with_name("default.pt")
# Wrappers that training tools put around a state dict's names (DataParallel, torch.compile).
_PREFIXES = ("module.", "_orig_mod.")


def checkpoint_payload(model, **train_info):
    """The dict save_checkpoint writes (the trainer adds "resume" to it)."""
    if not isinstance(model, LiteColorizer):
        raise TypeError(f"save_checkpoint needs a LiteColorizer, got {type(model).__name__}")
    return {
        "format": FORMAT_TAG,
        "version": FORMAT_VERSION,
        "config": model.config.to_json(),
        "state_dict": {k: v.detach().cpu().clone() for k, v in model.state_dict().items()},
        "training": dict(train_info),
    }


def write_payload(payload, path):
    """torch.save through a temp file renamed over `path`: a crash never leaves half a file."""
    path = Path(path)
    with replacing(path) as temp:
        torch.save(payload, temp)
    return path


def save_checkpoint(model, path, **train_info):
    """Write `model` (config + weights) and a training record (`train_info`, JSON-like values)."""
    return write_payload(checkpoint_payload(model, **train_info), path)


def read_payload(path):
    """Load and validate the outer structure; returns the payload dict."""
    path = Path(path)
    if not path.is_file():
        raise CheckpointError(f"{path}: no such checkpoint file")
    try:
        # TorchVersion (a str subclass) is allowed: early training records stored torch.__version__.
        with torch.serialization.safe_globals([TorchVersion]):
            payload = torch.load(path, map_location="cpu", weights_only=True)
    except (pickle.UnpicklingError, EOFError, RuntimeError, zipfile.BadZipFile, ValueError) as error:
        raise CheckpointError(
            f"{path}: not a readable checkpoint (truncated or not a torch file): {error}"
        ) from error
    if not isinstance(payload, dict) or payload.get("format") != FORMAT_TAG:
        hint = ""
        if isinstance(payload, dict) and payload and all(isinstance(v, torch.Tensor) for v in payload.values()):
            hint = " (it is a bare state dict, e.g. one of the authors' files: use import-official)"
        raise CheckpointError(f"{path}: not an excolor lite checkpoint, no '{FORMAT_TAG}' tag{hint}")
    if payload.get("version") != FORMAT_VERSION:
        raise CheckpointError(
            f"{path}: lite checkpoint version {payload.get('version')!r}; this excolor reads "
            f"version {FORMAT_VERSION}"
        )
    for key in ("config", "state_dict"):
        if not isinstance(payload.get(key), dict):
            raise CheckpointError(f"{path}: lite checkpoint lacks its '{key}' dict")
    return payload


def checkpoint_filter_fn(state_dict, model):
    """Bring a state dict to the model's native names (pure; returns a new dict).

    Native layouts return early; otherwise a {"model"|"state_dict": ...} wrapper is unwrapped and
    the DataParallel / torch.compile prefixes are stripped.
    """
    native = model.state_dict()
    if set(state_dict) == set(native):
        return dict(state_dict)
    for wrapper in ("model", "state_dict"):
        if set(state_dict) == {wrapper} and isinstance(state_dict[wrapper], dict):
            return checkpoint_filter_fn(state_dict[wrapper], model)
    renamed = {}
    for key, value in state_dict.items():
        for prefix in _PREFIXES:
            if key.startswith(prefix):
                key = key[len(prefix):]
        renamed[key] = value
    return renamed


def _first(keys):
    keys = sorted(keys)
    shown = ", ".join(keys[:_SHOWN_KEYS])
    return shown + (f" (+{len(keys) - _SHOWN_KEYS} more)" if len(keys) > _SHOWN_KEYS else "")


def load_state_strict(model, state_dict, path):
    """model.load_state_dict(strict) with an error naming the file and the first bad keys."""
    state_dict = checkpoint_filter_fn(state_dict, model)
    native = model.state_dict()
    problems = []
    missing = set(native) - set(state_dict)
    unexpected = set(state_dict) - set(native)
    misshaped = [
        f"{k} {tuple(state_dict[k].shape)} != {tuple(native[k].shape)}"
        for k in sorted(set(native) & set(state_dict))
        if not isinstance(state_dict[k], torch.Tensor) or state_dict[k].shape != native[k].shape
    ]
    if missing:
        problems.append(f"missing keys: {_first(missing)}")
    if unexpected:
        problems.append(f"unexpected keys: {_first(unexpected)}")
    if misshaped:
        problems.append(f"mis-shaped: {'; '.join(misshaped[:_SHOWN_KEYS])}")
    if problems:
        raise CheckpointError(f"{path}: does not fit the lite architecture: " + " | ".join(problems))
    model.load_state_dict(state_dict, strict=True)


def load_checkpoint(path, with_payload=False):
    """Rebuild a LiteColorizer (eval mode, CPU) from a checkpoint file.

    The training record is attached as `model.train_info` (export copies it into the manifest's
    provenance). Returns the model, or (model, payload) when `with_payload` (for resuming).
    """
    payload = read_payload(path)
    try:
        config = LiteConfig.from_json(payload["config"])
    except (TypeError, ValueError) as error:
        raise CheckpointError(f"{path}: bad lite config in checkpoint: {error}") from error
    model = LiteColorizer(config)
    load_state_strict(model, payload["state_dict"], path)
    training = payload.get("training")
    model.train_info = dict(training) if isinstance(training, dict) else {}
    model.eval()
    return (model, payload) if with_payload else model
