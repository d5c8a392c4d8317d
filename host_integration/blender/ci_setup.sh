#!/usr/bin/env bash
# Create (once) the Python 3.11 virtual environment in which the Blender add-on's tests run real
# Blender as a module: `bpy` from PyPI (cp311 wheels only, numpy<2), excolor's runtime
# dependencies, and excolor itself installed editable from this checkout.
#
#   host_integration/blender/ci_setup.sh [BPY_VERSION]      -> prints the venv's python path
#
# The venv lives outside the repository, in $EXCOLOR_BPY_CACHE/bpy-BPY_VERSION
# (default ${XDG_CACHE_HOME:-~/.cache}/excolor/bpy-BPY_VERSION). Stamp files record what was
# installed (bpy version and runtime dependencies; the checkout); a second call with the same
# stamps does nothing, so tests may call it every session.
set -euo pipefail
bpy_version="${1:-4.5.15}"
repo="$(cd "$(dirname "$0")/../.." && pwd)"
venv="${EXCOLOR_BPY_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/excolor}/bpy-$bpy_version"
python="${EXCOLOR_PYTHON311:-python3.11}"
command -v "$python" >/dev/null || { echo "ci_setup.sh: $python not found (bpy wheels are cp311 only)" >&2; exit 2; }

# The runtime dependencies with the CPU ONNX Runtime (the `cpu` extra, as the extension zip
# bundles it), read from pyproject.toml so that this script cannot drift from it.
deps="$("$python" -c 'import sys, tomllib; p = tomllib.load(open(sys.argv[1], "rb"))["project"]; print("\n".join(p["dependencies"] + p["optional-dependencies"]["cpu"]))' "$repo/pyproject.toml")"
# Two stamps: the bpy + dependencies install (slow: downloads) and the checkout excolor is
# installed from (fast): a fresh CI clone only repeats the second.
deps_stamp="bpy==$bpy_version
$deps"
repo_stamp="$repo"
if [ -x "$venv/bin/python" ] && [ "$(cat "$venv/excolor-deps.txt" 2>/dev/null)" = "$deps_stamp" ] \
   && [ "$(cat "$venv/excolor-repo.txt" 2>/dev/null)" = "$repo_stamp" ]; then
  echo "$venv/bin/python"
  exit 0
fi

{
  if [ ! -x "$venv/bin/python" ] || [ "$(cat "$venv/excolor-deps.txt" 2>/dev/null)" != "$deps_stamp" ]; then
    rm -f "$venv/excolor-deps.txt"
    "$python" -m venv "$venv"
    "$venv/bin/python" -m pip install --quiet --upgrade pip
    echo "numpy<2" > "$venv/constraints.txt"   # bpy's own requirement (Blender ships numpy 1.x)
    mapfile -t requirements <<< "$deps"
    "$venv/bin/python" -m pip install --quiet -c "$venv/constraints.txt" "bpy==$bpy_version" "${requirements[@]}"
    printf '%s' "$deps_stamp" > "$venv/excolor-deps.txt"
  fi
  "$venv/bin/python" -m pip install --quiet --no-deps -e "$repo"
  printf '%s' "$repo_stamp" > "$venv/excolor-repo.txt"
} >&2
echo "$venv/bin/python"
