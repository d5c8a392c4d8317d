"""Where the benchmarks run, and how their reports name files: a report is committed, so it
records a path as the repository knows it (`plugin/bundled_models/default`) or by its name,
never as a path of the machine it was measured on."""
from __future__ import annotations

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def shown_path(path):
    """`path` as a report records it: relative to the repository when inside it, else its
    name alone (a work folder, a model directory given on the command line)."""
    path = Path(path).resolve()
    try:
        return path.relative_to(ROOT).as_posix()
    except ValueError:
        return path.name


def without_machine_paths(value):
    """A JSON-able value with every string that is an absolute path replaced by shown_path."""
    if isinstance(value, dict):
        return {key: without_machine_paths(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [without_machine_paths(item) for item in value]
    if isinstance(value, str) and os.path.isabs(value):
        return shown_path(value)
    return value
