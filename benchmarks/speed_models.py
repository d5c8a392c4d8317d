"""The speed benchmark's models: the lite and official model folders it measures, exported here
when not given (see speed.py's module docstring for which)."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np

from excolor.engine.models import load_model_dir

from .repository import ROOT, shown_path
from .speed_cases import INPUTS_VARIABLE

FIXTURE_WEIGHTS = ROOT / "tests" / "fixtures" / "official_compat" / "weights.py"
DEFAULT_LITE = ROOT / "plugin" / "bundled_models" / "default"  # the shipped default model


def prepare_models(args, work):
    """{arch: {'chunked': dir, 'dense': dir, ...}} exporting what is missing into `work`."""
    models = {}
    default = DEFAULT_LITE
    if args.lite:
        models["lite"] = {"chunked": Path(args.lite), "source": f"given: {shown_path(args.lite)}"}
    elif (default / "manifest.json").is_file():
        models["lite"] = {"chunked": default, "source": "shipped default (plugin/bundled_models/default)"}
    else:
        models["lite"] = {"source": "untrained LiteColorizer (seed 0): no plugin/bundled_models/default yet"}
    lite = models["lite"]
    for matching in ("chunked", "dense"):
        if matching not in lite:
            lite[matching] = work / f"lite-{matching}"
            if not (lite[matching] / "manifest.json").is_file():
                export_untrained_lite(lite[matching], matching, args.quick)
    if args.official or args.official_weights or not args.quick:
        weights = Path(args.official_weights) if args.official_weights else work / "official-weights"
        if not args.official_weights and not (weights / "colornet.pth").is_file():
            subprocess.run([sys.executable, str(FIXTURE_WEIGHTS), str(weights)], check=True)
        official = {"weights": str(weights), "source": "fixture stand-in weights (import-official)"}
        official["chunked"] = Path(args.official) if args.official else work / "official-chunked"
        for matching in ("chunked", "dense"):
            official.setdefault(matching, work / f"official-{matching}")
            if not (official[matching] / "manifest.json").is_file():
                export_official(weights, official[matching], matching)
        models["official"] = official
    for entry in models.values():
        entry["rule"] = load_model_dir(entry["chunked"]).manifest.size_rule
    return models


def parity_photos():
    """The export's parity photographs: scikit-image's samples, or parity_photos.npz from the
    --inputs folder on a machine without scikit-image."""
    inputs = os.environ.get(INPUTS_VARIABLE)
    if inputs:
        with np.load(Path(inputs) / "parity_photos.npz") as photos:
            return [photos[name].astype(np.float32) / 255.0 for name in sorted(photos.files)]
    from excolor.export.photos import sample_photos  # excolor.export needs torch (train extra)

    return sample_photos()


def export_untrained_lite(folder, matching, quick):
    # torch and the export (the `train` extra) load only when a model must be exported.
    import torch

    from excolor.export.model_dir import export_model_dir
    from excolor.model.lite import LiteColorizer, LiteConfig

    torch.manual_seed(0)
    config = LiteConfig(default_long_side=64) if quick else LiteConfig()
    model = LiteColorizer(config).eval()
    export_model_dir(model, folder, parity_images=parity_photos(), matching=matching, force=True,
                     parity_long_side=64 if quick else None,
                     provenance={"training": "none: untrained, seed 0 (speed benchmark)"})


def export_official(weights, folder, matching):
    """What `excolor import-official WEIGHTS FOLDER --parity-long-side 128` writes, in process,
    with the chosen matching (the command always exports the chunked one)."""
    # torch and the export (the `train` extra) load only when a model must be exported.
    from excolor.export.model_dir import export_model_dir
    from excolor.model.official.checkpoint import load_official

    model, record = load_official(weights)
    export_model_dir(model, folder, parity_images=parity_photos(), matching=matching, force=True,
                     parity_long_side=128, provenance={"source": "fixture stand-in weights",
                                                       "checkpoint_sha256": record["checkpoint_sha256"]})

