#!/usr/bin/env bash
# Create (once) the Python 3.11 virtual environment in which the Blender add-on's tests run real
# Blender as a module: `bpy` from PyPI (cp311 wheels only, numpy<2), excolor's runtime
# dependencies, and excolor itself installed editable from this checkout.
#
#   host_integration/blender/ci_setup.sh [BPY_VERSION]      -> prints the venv's python path
#
# The venv lives outside the repository: $EXCOLOR_BPY_VENV, else
# ${XDG_CACHE_HOME:-~/.cache}/excolor/bpy-BPY_VERSION. A stamp file records what was installed
# (bpy version, checkout, runtime dependencies); a second call with the same stamp does nothing,
# so tests may call it every session.
set -euo pipefail
bpy_version="${1:-4.5.15}"
repo="$(cd "$(dirname "$0")/../.." && pwd)"
venv="${EXCOLOR_BPY_VENV:-${XDG_CACHE_HOME:-$HOME/.cache}/excolor/bpy-$bpy_version}"
python="${EXCOLOR_PYTHON311:-python3.11}"
command -v "$python" >/dev/null || { echo "ci_setup.sh: $python not found (bpy wheels are cp311 only)" >&2; exit 2; }

# The runtime dependencies, read from pyproject.toml so that this script cannot drift from it.
deps="$("$python" -c 'import sys, tomllib; print("\n".join(tomllib.load(open(sys.argv[1], "rb"))["project"]["dependencies"]))' "$repo/pyproject.toml")"
stamp="bpy==$bpy_version
repo=$repo
$deps"
if [ -f "$venv/excolor-stamp.txt" ] && [ "$(cat "$venv/excolor-stamp.txt")" = "$stamp" ] \
   && [ -x "$venv/bin/python" ]; then
  echo "$venv/bin/python"
  exit 0
fi

{
  "$python" -m venv "$venv"
  "$venv/bin/python" -m pip install --quiet --upgrade pip
  constraints="$venv/constraints.txt"
  echo "numpy<2" > "$constraints"   # bpy's own requirement (Blender ships numpy 1.x)
  mapfile -t requirements <<< "$deps"
  "$venv/bin/python" -m pip install --quiet -c "$constraints" "bpy==$bpy_version" "${requirements[@]}"
  "$venv/bin/python" -m pip install --quiet -c "$constraints" --no-deps -e "$repo"
} >&2
printf '%s' "$stamp" > "$venv/excolor-stamp.txt"
echo "$venv/bin/python"
