"""Files excolor writes and reads back: one content hash and one atomic write for every module.

Every file excolor writes appears whole or not at all (a farm node killed mid-write must not
leave half a frame that a rerun would count as done), so each is written to a temp file and
renamed over its target. Temp names carry the host and process id because farm nodes share
folders; `stale_temp` tells which temp files were left by processes that no longer run.
"""
import contextlib
import hashlib
import os
import socket
from pathlib import Path

_BLOCK = 1 << 20


def file_sha256(path):
    """Hex sha256 of a file's bytes, read in 1 MiB blocks (model graphs are hundreds of MB)."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(_BLOCK), b""):
            digest.update(block)
    return digest.hexdigest()


def temp_name(name):
    """A temp file name unique to this process on this host (farm nodes share folders):
    `name.HOST.PID.partial`; see `stale_temp` for cleaning up after killed processes."""
    return f"{name}.{socket.gethostname()}.{os.getpid()}.partial"


def stale_temp(path):
    """True for a temp file left by a process of this host that no longer runs."""
    suffix = f".{socket.gethostname()}."
    name = Path(path).name
    if not name.endswith(".partial") or suffix not in name:
        return False
    pid = name[: -len(".partial")].rsplit(suffix, 1)[1]
    if not pid.isdigit():
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False  # alive, someone else's
    return False


@contextlib.contextmanager
def replacing(path, temp_dir=None):
    """Yield a temp path to write; on success it replaces `path` in one rename.

    The temp file lives in `temp_dir` (default: beside `path`), which must be on the same
    file system for the rename to be atomic. On any error the temp file is removed and the
    error propagates; `path` keeps whatever it held before.
    """
    path = Path(path)
    folder = Path(temp_dir) if temp_dir is not None else path.parent
    folder.mkdir(parents=True, exist_ok=True)
    temp = folder / temp_name(path.name)
    try:
        yield temp
        os.replace(temp, path)
    finally:
        if temp.exists():
            temp.unlink()


def write_atomically(path, data, temp_dir=None):
    """Write bytes or text to `path` atomically (see `replacing`)."""
    with replacing(path, temp_dir) as temp:
        if isinstance(data, str):
            temp.write_text(data)
        else:
            temp.write_bytes(data)
