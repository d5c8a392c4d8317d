"""The output folder of a training command, checked before any work starts."""
import os
import tempfile
from pathlib import Path

from ..errors import OutputError


def writable_training_dir(path):
    """`path` as a folder this process can write (created if missing), or an OutputError naming
    it and the reason: a training run must not record clips or train for minutes and then fail
    on its first checkpoint."""
    folder = Path(path)
    if folder.exists() and not folder.is_dir():
        raise OutputError(f"training folder {folder} is a file, not a folder")
    try:
        folder.mkdir(parents=True, exist_ok=True)
        handle, probe = tempfile.mkstemp(dir=folder, prefix=".excolor-write-check-")
        os.close(handle)
        os.unlink(probe)
    except OSError as error:
        raise OutputError(f"cannot write training folder {folder}: {error.strerror or error}") from error
    return folder
