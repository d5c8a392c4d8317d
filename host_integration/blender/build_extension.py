"""Build the installable Blender extension: one zip holding the add-on and the runtime's wheels.

    python -m excolor.hosts.blender.build_extension excolor-blender.zip [--platform linux-x64]

Run from a checkout of excolor (it builds excolor's own wheel from it). The zip holds:
- `blender_manifest.toml` (Blender 4.2+ extension format; `wheels` lists the bundled wheels);
- `__init__.py`, which registers `excolor.hosts.blender` (installed from the bundled wheel);
- `wheels/`: excolor and its runtime dependencies for CPython 3.11 (Blender 4.2-5.0's Python)
  on the chosen platform, downloaded with `pip download` (PyPI must be reachable). Left out
  (NOT_BUNDLED): numpy (Blender ships its own, and bpy needs numpy<2, so dependencies are
  resolved against numpy<2); scenedetect and OpenCV (cut detection for `excolor shots`) and
  OpenTimelineIO with its EDL adapter (cut lists for `excolor colorize --shots`): the add-on
  takes its shots from timeline markers. The extension test installs the zip into a Blender
  whose Python has none of excolor's dependencies, so a needed one left out fails there.
Install in Blender with Edit > Preferences > Get Extensions > Install from Disk, or
`blender --command extension install-file -r user_default -e excolor-blender.zip`.
"""
import argparse
import shutil
import subprocess
import sys
import tempfile
import tomllib
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
EXTENSION_ID = "excolor"
PYTHON_VERSION = "3.11"
# Blender platform name -> pip platform tags its Python accepts (Blender 4.2+ needs glibc 2.28).
PLATFORMS = {
    "linux-x64": ("manylinux_2_28_x86_64", "manylinux_2_27_x86_64", "manylinux_2_17_x86_64",
                  "manylinux2014_x86_64"),
    "windows-x64": ("win_amd64",),
    "macos-arm64": ("macosx_11_0_arm64", "macosx_12_0_arm64", "macosx_13_0_arm64",
                    "macosx_14_0_arm64"),
}
# Runtime dependencies the add-on does not bundle (see the module docstring).
NOT_BUNDLED = {"numpy", "scenedetect", "opencv-python-headless", "opencv-python", "opentimelineio",
               "otio-cmx3600-adapter"}

SHIM = '''"""excolor: exemplar-based video colorization in Blender's compositor.

The add-on itself is excolor.hosts.blender, installed from this extension's bundled wheels.
"""


def register():
    from excolor.hosts import blender

    blender.register()


def unregister():
    from excolor.hosts import blender

    blender.unregister()
'''


def _project():
    pyproject = ROOT / "pyproject.toml"
    if not pyproject.is_file():
        raise SystemExit(f"build_extension: run from a checkout of excolor ({pyproject} is missing)")
    return tomllib.loads(pyproject.read_text())["project"]


def _name(requirement):
    """The distribution name of a requirement string ("onnx>=1.16" -> "onnx")."""
    for index, char in enumerate(requirement):
        if not (char.isalnum() or char in "-_."):
            return requirement[:index].strip().lower()
    return requirement.strip().lower()


def manifest(version, wheels, platform):
    """The blender_manifest.toml text for the given excolor version and wheel file names."""
    listed = ",\n".join(f'  "./wheels/{name}"' for name in wheels)
    return f'''schema_version = "1.0.0"

id = "{EXTENSION_ID}"
version = "{version}"
name = "excolor"
tagline = "Exemplar-based video colorization in the compositor"
maintainer = "excolor developers"
type = "add-on"
tags = ["Compositing", "Render"]
blender_version_min = "4.2.0"
license = ["SPDX:MIT"]
platforms = ["{platform}"]
wheels = [
{listed},
]

[permissions]
files = "Reads the source clip, reference images and model files"
'''


def _pip(*arguments):
    command = [sys.executable, "-m", "pip", *arguments]
    result = subprocess.run(command, capture_output=True, text=True)
    if result.returncode != 0:
        raise SystemExit(f"build_extension: {' '.join(command)} failed:\n{result.stderr[-4000:]}")


def collect_wheels(folder, platform):
    """excolor's wheel (from this checkout) and its bundled dependencies' wheels into `folder`."""
    project = _project()
    _pip("wheel", "--no-deps", "--quiet", "--wheel-dir", str(folder), str(ROOT))
    requirements = [r for r in project["dependencies"] if _name(r) not in NOT_BUNDLED]
    constraints = folder / "constraints.txt"
    constraints.write_text("numpy<2\n")
    tags = [argument for tag in PLATFORMS[platform] for argument in ("--platform", tag)]
    _pip("download", "--quiet", "--dest", str(folder), "--only-binary=:all:",
         "--python-version", PYTHON_VERSION, "--implementation", "cp", *tags,
         "-c", str(constraints), *requirements)
    constraints.unlink()
    for wheel in folder.glob("*.whl"):
        if wheel.name.split("-")[0].replace("_", "-").lower() in NOT_BUNDLED:
            wheel.unlink()
    return sorted(wheel.name for wheel in folder.glob("*.whl"))


def build(output, platform="linux-x64", wheel_cache=None):
    """Write the extension zip to `output`; returns the list of bundled wheel names.

    wheel_cache: a folder to keep downloaded wheels in between builds (reused when it already
    holds them for this excolor version and platform); None downloads into a temp folder.
    """
    if platform not in PLATFORMS:
        raise SystemExit(f"build_extension: platform '{platform}' is not one of {', '.join(PLATFORMS)}")
    version = _project()["version"]
    with tempfile.TemporaryDirectory() as temp:
        folder = Path(wheel_cache) if wheel_cache else Path(temp)
        folder.mkdir(parents=True, exist_ok=True)
        stamp = folder / "excolor-extension-stamp.txt"
        key = f"{version} {platform} {sorted(_project()['dependencies'])}"
        for wheel in folder.glob("excolor-*.whl"):
            wheel.unlink()  # always rebuilt from the checkout
        if stamp.is_file() and stamp.read_text() == key:
            _pip("wheel", "--no-deps", "--quiet", "--wheel-dir", str(folder), str(ROOT))
            wheels = sorted(wheel.name for wheel in folder.glob("*.whl"))
        else:
            for wheel in folder.glob("*.whl"):
                wheel.unlink()
            wheels = collect_wheels(folder, platform)
            stamp.write_text(key)
        output = Path(output)
        output.parent.mkdir(parents=True, exist_ok=True)
        partial = output.with_name(output.name + ".partial")
        with zipfile.ZipFile(partial, "w", zipfile.ZIP_DEFLATED) as archive:
            archive.writestr("blender_manifest.toml", manifest(version, wheels, platform))
            archive.writestr("__init__.py", SHIM)
            for name in wheels:
                # Wheels are zips already: store them, do not compress twice.
                archive.write(folder / name, f"wheels/{name}", compress_type=zipfile.ZIP_STORED)
        shutil.move(partial, output)
    return wheels


def main(argv=None):
    parser = argparse.ArgumentParser(
        prog="python -m excolor.hosts.blender.build_extension",
        description="Build excolor's Blender extension zip (add-on + bundled runtime wheels).")
    parser.add_argument("output", help="the zip to write, e.g. excolor-blender.zip")
    parser.add_argument("--platform", default="linux-x64", choices=sorted(PLATFORMS),
                        help="Blender platform the bundled wheels are for (default linux-x64)")
    parser.add_argument("--wheel-cache", metavar="DIR",
                        help="keep downloaded wheels here and reuse them in later builds")
    args = parser.parse_args(argv)
    wheels = build(args.output, args.platform, args.wheel_cache)
    size = Path(args.output).stat().st_size / 2**20
    print(f"wrote {args.output} ({size:.0f} MB, {len(wheels)} wheels)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
