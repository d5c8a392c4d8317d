"""excolor's own wheel, rebuilt from the installed package, and the requirements it was installed with.

The Blender extension bundles excolor as a wheel. After a plain `pip install .` (or from PyPI)
there is no source tree to build one from, but the installed distribution holds everything a
wheel does: its files (listed in RECORD), METADATA, WHEEL and entry points. `installed_wheel`
packs those again (py3-none-any: excolor is pure Python) with a fresh RECORD, as the wheel
format (PEP 427) lays it out. An editable install has only a path hook in site-packages; its
files are in the checkout it points to (`editable_source`), from which pip builds the wheel.
"""
import base64
import hashlib
import importlib.metadata
import json
import zipfile
from pathlib import Path
from urllib.parse import unquote, urlparse

from excolor.files import replacing

DISTRIBUTION = "excolor"
# dist-info files that describe one installation, not the package: left out of the wheel.
INSTALL_RECORDS = {"RECORD", "INSTALLER", "REQUESTED", "direct_url.json"}


def distribution():
    """The installed excolor distribution (SystemExit when excolor is not installed).

    Installers write a RECORD; an `excolor.egg-info` that setuptools leaves in a checkout (found
    first when Python runs from there) has none and describes no installation.
    """
    for dist in importlib.metadata.distributions(name=DISTRIBUTION):
        if dist.read_text("RECORD") is not None:
            return dist
    raise SystemExit("build_extension: excolor is not installed in this Python (pip install .)")


def editable_source(dist):
    """The checkout an editable install points to, or None for a regular install."""
    text = dist.read_text("direct_url.json")
    if not text:
        return None
    record = json.loads(text)
    if not record.get("dir_info", {}).get("editable"):
        return None
    return Path(unquote(urlparse(record["url"]).path))


def requirements(dist, extras=()):
    """Distribution requirement strings of the base and `extras` (markers other than
    `extra == "NAME"` are left to pip)."""
    wanted = []
    for requirement in dist.requires or []:
        spec, _, marker = requirement.partition(";")
        marker = marker.strip().replace("'", '"')
        if not marker:
            wanted.append(spec.strip())
        elif marker.startswith("extra ==") and marker.split("==", 1)[1].strip().strip('"') in extras:
            wanted.append(spec.strip())
    return wanted


def _record_line(arcname, data):
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
    return f"{arcname},sha256={digest},{len(data)}"


def installed_wheel(dist, folder):
    """Pack the installed (non-editable) distribution as a wheel in `folder`; returns its path."""
    files = [file for file in dist.files or [] if not file.parts[0].startswith("..")]
    info = next((file.parts[0] for file in files if file.parts[0].endswith(".dist-info")), None)
    if info is None:
        raise SystemExit(f"build_extension: the installed {DISTRIBUTION} lists no dist-info folder (reinstall it)")
    wheel = Path(folder) / f"{DISTRIBUTION}-{dist.version}-py3-none-any.whl"
    records = []
    with replacing(wheel) as partial, zipfile.ZipFile(partial, "w", zipfile.ZIP_DEFLATED) as archive:
        for file in files:
            arcname = file.as_posix()
            if "__pycache__" in file.parts or (file.parts[0] == info and file.name in INSTALL_RECORDS):
                continue
            path = Path(file.locate())
            if not path.is_file():
                raise SystemExit(f"build_extension: {path} of the installed {DISTRIBUTION} is missing "
                                 "(reinstall it)")
            data = path.read_bytes()
            archive.writestr(arcname, data)
            records.append(_record_line(arcname, data))
        records.append(f"{info}/RECORD,,")
        archive.writestr(f"{info}/RECORD", "\n".join(records) + "\n")
    return wheel


def wheel_distribution(wheel):
    """The distribution inside a wheel file (its METADATA: version, requirements)."""
    with zipfile.ZipFile(wheel) as archive:
        info = next(name.split("/")[0] for name in archive.namelist() if name.split("/")[0].endswith(".dist-info"))
    return importlib.metadata.PathDistribution(zipfile.Path(wheel, f"{info}/"))
