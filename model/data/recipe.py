"""The training data's recipe: fetch_training_data.sh, shipped in this package (package data of
excolor.model.data), so a clone has it at model/data/fetch_training_data.sh and an install
beside this module."""
import shlex
from pathlib import Path

from excolor.errors import InputError

FETCH_SCRIPT = Path(__file__).with_name("fetch_training_data.sh")


def fetch_command(root):
    """The shell command that fills `root` with the training pictures: the script where this
    installation keeps it, so the command runs from a clone and from an install alike."""
    return f"bash {shlex.quote(str(FETCH_SCRIPT))} {shlex.quote(str(root))}"


def missing_root(root):
    """The InputError for a data root that is not a directory, with the command that makes it."""
    return InputError(f"data root {root} is not a directory (fetch it with: {fetch_command(root)})")


def require_root(root):
    """Raise InputError unless `root` is a data root with pictures in images/. Without this check
    an empty folder would train silently on the few pictures that come with installed packages
    (the optional sources of excolor.model.data.sources), which is never what was asked."""
    root = Path(root)
    if not root.is_dir():
        raise missing_root(root)
    images = root / "images"
    if not images.is_dir() or not any(path.is_file() for path in images.iterdir()):
        raise InputError(f"data root {root} holds no training pictures in images/ "
                         f"(fetch them with: {fetch_command(root)})")
