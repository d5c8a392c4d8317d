"""Build the installable Blender extension: one zip holding the add-on and the runtime's wheels.

    python -m excolor.hosts.blender.build_extension excolor-blender.zip [--platform linux-x64]

Run with the Python excolor is installed in (`pip install .`, editable or not, or from an
index): excolor's own wheel is packed from the installed package (`installed_wheel`; for an
editable install pip builds it from the checkout), and the dependencies are the installed
distribution's own requirements plus its RUNTIME_EXTRA. The zip holds:
- `blender_manifest.toml` (Blender 4.2+ extension format; `wheels` lists the bundled wheels);
- `__init__.py`, which registers `excolor.hosts.blender` (installed from the bundled wheel);
- `wheels/`: excolor and its runtime dependencies for CPython 3.11 (Blender 4.2-5.0's Python)
  on the chosen platform, downloaded with `pip download` (PyPI must be reachable): ONNX Runtime
  (CPU build) and OpenCV headless (the node's motion step) among them. Left out (NOT_BUNDLED):
  numpy (Blender ships its own, and bpy needs numpy<2, so dependencies are resolved against
  numpy<2); PySceneDetect (cut detection for `excolor shots`) and OpenTimelineIO with its EDL
  adapter (cut lists for `excolor colorize --shots`): the add-on takes its shots from timeline
  markers. The extension test installs the zip into a Blender whose Python has none of
  excolor's dependencies, so a needed one left out fails there.
Install in Blender with Edit > Preferences > Get Extensions > Install from Disk, or
`blender --command extension install-file -r user_default -e excolor-blender.zip`.
"""
import argparse
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

from excolor.files import replacing

from .installed_wheel import distribution, editable_source, installed_wheel, requirements, wheel_distribution

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
# Runtime dependencies the add-on does not bundle (see the module docstring); the GUI OpenCV
# build is listed so that nothing can bring it in beside the headless one.
NOT_BUNDLED = {"numpy", "scenedetect-headless", "scenedetect", "opencv-python", "opentimelineio",
               "otio-cmx3600-adapter"}
# The extra whose ONNX Runtime build the add-on bundles (Blender runs the node on the CPU).
RUNTIME_EXTRA = "cpu"

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


def bundled_requirements(dist):
    """The requirement strings of `dist` (excolor) whose wheels the zip bundles."""
    return [r for r in requirements(dist, (RUNTIME_EXTRA,)) if _name(r) not in NOT_BUNDLED]


def excolor_wheel(dist, folder):
    """excolor's own wheel into `folder`, packed from the installed files or built by pip from
    the checkout of an editable install; returns the wheel's distribution (its METADATA is what
    the zip installs, also where an editable install's metadata is older than its checkout)."""
    source = editable_source(dist)
    if source is None:
        wheel = installed_wheel(dist, folder)
    else:
        _pip("wheel", "--no-deps", "--quiet", "--wheel-dir", str(folder), str(source))
        wheel = next(Path(folder).glob("excolor-*.whl"))
    return wheel_distribution(wheel)


def download_dependencies(wanted, folder, platform):
    """Wheels of the requirement strings `wanted` and their dependencies for Blender's Python on
    `platform` into `folder`, less NOT_BUNDLED."""
    constraints = folder / "constraints.txt"
    constraints.write_text("numpy<2\n")
    tags = [argument for tag in PLATFORMS[platform] for argument in ("--platform", tag)]
    _pip("download", "--quiet", "--dest", str(folder), "--only-binary=:all:",
         "--python-version", PYTHON_VERSION, "--implementation", "cp", *tags,
         "-c", str(constraints), *wanted)
    constraints.unlink()
    for wheel in folder.glob("*.whl"):
        if wheel.name.split("-")[0].replace("_", "-").lower() in NOT_BUNDLED:
            wheel.unlink()


def build(output, platform="linux-x64", wheel_cache=None):
    """Write the extension zip to `output`; returns the list of bundled wheel names.

    wheel_cache: a folder to keep downloaded wheels in between builds (reused when it already
    holds them for this excolor version, its requirements and platform); None downloads into a
    temp folder.
    """
    if platform not in PLATFORMS:
        raise SystemExit(f"build_extension: platform '{platform}' is not one of {', '.join(PLATFORMS)}")
    dist = distribution()
    with tempfile.TemporaryDirectory() as temp:
        folder = Path(wheel_cache) if wheel_cache else Path(temp)
        folder.mkdir(parents=True, exist_ok=True)
        for wheel in folder.glob("excolor-*.whl"):
            wheel.unlink()  # always rebuilt from what is installed now
        packed = excolor_wheel(dist, folder)
        wanted = bundled_requirements(packed)
        stamp = folder / "excolor-extension-stamp.txt"
        key = f"{packed.version} {platform} {sorted(wanted)}"
        if not (stamp.is_file() and stamp.read_text() == key):
            for wheel in folder.glob("*.whl"):
                if not wheel.name.startswith("excolor-"):
                    wheel.unlink()
            download_dependencies(wanted, folder, platform)
            stamp.write_text(key)
        wheels = sorted(wheel.name for wheel in folder.glob("*.whl"))
        with replacing(Path(output)) as partial, zipfile.ZipFile(partial, "w", zipfile.ZIP_DEFLATED) as archive:
            archive.writestr("blender_manifest.toml", manifest(packed.version, wheels, platform))
            archive.writestr("__init__.py", SHIM)
            for name in wheels:
                # Wheels are zips already: store them, do not compress twice.
                archive.write(folder / name, f"wheels/{name}", compress_type=zipfile.ZIP_STORED)
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
