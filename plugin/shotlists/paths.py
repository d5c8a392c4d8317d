"""Reference paths as a shot list writes them: relative to the shot list's folder, as it reads them."""
import os
from pathlib import Path


def relative_path(image, folder):
    """`image` relative to `folder` (both made absolute first), or absolute where no relative
    path reaches it (another drive on Windows)."""
    image = Path(image)
    try:
        return os.path.relpath(image.resolve(), Path(folder).resolve())
    except ValueError:  # another drive on Windows
        return str(image.resolve())
