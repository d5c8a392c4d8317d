"""Shared inputs for the farm tests: 16 real frames, two shots, and their one-go render.

Shot 1 (1001-1010) has keyframes at 1001 and 1008 (a forward chain, and a backward chain from
1008); shot 2 (1011-1016) has one keyframe pinned mid-shot at 1013 (runs go both ways).
"""
import json
import os
import sys
from pathlib import Path

from tests.support.batch import carphone_frames, excolor, files_of, write_reference, write_sequence

FIRST, LAST = 1001, 1016


def make_clip(folder):
    folder = Path(folder)
    frames = carphone_frames(count=LAST - FIRST + 1)
    pattern = write_sequence(folder / "plate.####.png", frames, first=FIRST)
    for frame in (1001, 1008, 1013):
        write_reference(folder / f"key_{frame}.png", frames[frame - FIRST])
    shots = folder / "SHOTS.json"
    shots.write_text(json.dumps({"shots": [
        {"start": 1001, "end": 1010, "reference": [{"image": "key_1001.png", "frame": 1001},
                                                   {"image": "key_1008.png", "frame": 1008}]},
        {"start": 1011, "end": 1016, "reference": "key_1013.png", "reference_frame": 1013},
    ]}))
    return {"pattern": pattern, "shots": shots, "folder": folder}


def render_one_go(clip, out, model):
    result = excolor("colorize", clip["pattern"], Path(out) / "c.####.png", "--shots", clip["shots"],
                     "--model", model, "--state-every", "2")
    assert result.returncode == 0, result.stderr
    return Path(out)


def frames_bytes(folder):
    return {name: (Path(folder) / name).read_bytes() for name in files_of(folder)}


def worker_env(**extra):
    """This environment as a render node with excolor installed has it: the folder of this
    Python's `excolor` first on the PATH (a job runs `excolor` from the PATH), plus `extra`."""
    folder = Path(sys.executable).parent
    return {**os.environ, "PATH": f"{folder}{os.pathsep}{os.environ.get('PATH', '')}", **extra}
