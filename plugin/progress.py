"""A progress bar on a terminal, nothing when stderr is piped (logs and CI stay clean)."""
import os
import sys

from tqdm import tqdm


def progress_bar(total, label):
    """A tqdm bar counting `total` frames on stderr, or None when stderr is not a terminal."""
    if total <= 0 or not sys.stderr.isatty():
        return None
    try:
        size = os.get_terminal_size(sys.stderr.fileno())
    except OSError:
        size = os.terminal_size((0, 0))
    # Pseudo-terminals may report 0x0, with which tqdm draws nothing at all.
    return tqdm(total=total, desc=label, unit="frame", file=sys.stderr,
                ncols=size.columns or 80, nrows=size.lines or 24)
