"""One exception family for everything excolor reports to a user.

Each message names the bad value (file, frame, shot, key) and, where there are valid choices,
lists them. Each class carries the command's exit code for it and what that code means;
`exit_code_help()` writes the table every `excolor ... --help` ends with, so the codes are
defined here once.

The exit on Ctrl-C while the `excolor` command loads is here too (`guard_loading`), since
this is the first module the package loads: the `excolor` script imports its entry point
(excolor.cli:main) before main() can install its own SIGINT handler, and that import (the
package, excolor.cli and the standard modules they use) takes tens of milliseconds on a busy
host, in which Python's handler would print a KeyboardInterrupt traceback. This module
installs it as it loads (the first module of the package) and the package face puts Python's
handler back when loaded in a host that imports excolor (which keeps its own), not in the
excolor command itself; excolor.cli installs it again and keeps it until main() takes charge
(main() installs `interrupted_while_loading` for the whole command), since a signal that
arrives inside an import may be handled only when the import returns to the script. While
installed, SIGINT inside an import, or in the launching script's own top-level lines, ends the
process at once with `excolor: interrupted` and INTERRUPTED_EXIT (nothing is written yet);
anywhere else it raises KeyboardInterrupt, as Python's handler does.
"""
import _signal  # the C module: `signal` takes milliseconds to import (its enums), a window of its own
import os
import sys

SUCCESS_EXIT = 0
INTERRUPTED_EXIT = 128 + 2  # what a shell reports for a process ended by SIGINT (Ctrl-C)
SIGPIPE_EXIT = 128 + 13  # ... and by SIGPIPE


def _loading(frame):
    """Whether `frame` (a signal handler's) is inside an import, in main() of excolor.cli but
    not inside the command it runs (its own lines, before its `try` is in place: Python checks
    for signals as a function starts), or below the top level of the script the process runs
    (the `excolor` script's lines before main(); not an interactive prompt's). Inside the
    command (excolor.cli's _main()), main() handles Ctrl-C itself."""
    while frame is not None:
        code = frame.f_code
        if code.co_filename.startswith("<frozen importlib"):
            return True
        if frame.f_globals.get("__name__") == "excolor.cli":
            if code.co_name == "_main":
                return False
            if code.co_name == "main":
                return True
        if code.co_name == "<module>" and code.co_filename == sys.argv[0] and \
                frame.f_globals.get("__name__") == "__main__":
            return True
        frame = frame.f_back
    return False


def interrupted_while_loading(_signum, frame):
    """SIGINT handler while excolor loads (module docstring): exit, or KeyboardInterrupt."""
    if not _loading(frame):
        raise KeyboardInterrupt
    # No import here: the interrupted import holds its module's lock.
    sys.stderr.write("excolor: interrupted\n")
    sys.stderr.flush()
    os._exit(INTERRUPTED_EXIT)


def guard_loading():
    """Install interrupted_while_loading where Ctrl-C raises KeyboardInterrupt (Python's
    handler, on the main thread: a process started with SIGINT ignored, or a host with its own
    handler, keeps it); returns the handler to put back, None when none was installed."""
    if _signal.getsignal(_signal.SIGINT) is not _signal.default_int_handler:
        return None
    try:
        return _signal.signal(_signal.SIGINT, interrupted_while_loading)
    except ValueError:  # imported on another thread: signals are the main thread's
        return None


def _is_the_command():
    """Whether this process is the `excolor` command: its console script, or `python -m
    excolor` (argv[0] is "-m" while runpy imports the package it runs). Then the guard stays
    until main() takes charge: the entry point is still loading when the package face is."""
    name = os.path.basename(sys.argv[0]) if sys.argv else ""
    return name == "-m" or os.path.splitext(name)[0] == "excolor"


def release_loading_guard():
    """Put back the handler this module's own guard_loading() replaced as it loaded, unless
    another was installed since, or this process is the excolor command (the package face,
    once loaded, in a host that imports excolor)."""
    if _is_the_command():
        return
    if _BEFORE_LOADING is not None and _signal.getsignal(_signal.SIGINT) is interrupted_while_loading:
        _signal.signal(_signal.SIGINT, _BEFORE_LOADING)


# First thing as this module loads, the package's first: the rest of the package loads guarded.
_BEFORE_LOADING = guard_loading()


class ExcolorError(Exception):
    """Base of every error excolor raises on purpose."""

    exit_code = 1
    exit_meaning = "unexpected failure (a bug: please report it with --debug output)"


class UsageError(ExcolorError):
    """The command line or a settings file asks for something impossible."""

    exit_code = 2
    exit_meaning = "usage error: bad flags, bad frame range, bad shot list"


class InputError(ExcolorError):
    """An input (frame, image, reference, shot list) is missing, unreadable or malformed."""

    exit_code = 3
    exit_meaning = "input error: missing or unreadable frame, reference or shot file"


class ModelError(ExcolorError):
    """A model directory or checkpoint is missing, corrupt, or does not match its manifest."""

    exit_code = 4
    exit_meaning = "model error: model not found, wrong hash, checkpoint that does not fit"


class ModelNotFoundError(ModelError):
    """A model name or directory that cannot be found."""


class CheckpointError(ModelError):
    """A checkpoint file whose keys or shapes do not fit the architecture, or that is no checkpoint."""


class OutputError(ExcolorError):
    """The output cannot be written, or writing it would destroy something the user had."""

    exit_code = 5
    exit_meaning = "output error: output not writable, or it would overwrite the input"


class StateError(ExcolorError):
    """Saved state is missing (a farm chunk waiting for another) or was made with other settings."""

    exit_code = 6
    exit_meaning = "state error: a farm chunk waits for a chunk not yet rendered, or saved state was made with another model, reference or settings"


class ProviderUnavailableError(ExcolorError):
    """An ONNX Runtime execution provider was requested that this installation lacks."""

    exit_code = 4
    exit_meaning = "or an ONNX Runtime device (execution provider) this installation lacks"


def exit_code_help():
    """The exit codes of the `excolor` commands as the text `--help` ends with: one line per code,
    from the classes above (several classes with one code share its line)."""
    import textwrap  # here, not at the top: this module loads first, and quickly (guard_loading)

    meanings = {SUCCESS_EXIT: ["success"]}
    pending = [ExcolorError]
    while pending:
        cls = pending.pop(0)
        if "exit_meaning" in vars(cls):
            meanings.setdefault(cls.exit_code, []).append(cls.exit_meaning)
        pending.extend(cls.__subclasses__())
    meanings[INTERRUPTED_EXIT] = ["interrupted (Ctrl-C); no partial file is left behind"]
    meanings[SIGPIPE_EXIT] = ["the output pipe was closed by its reader (e.g. '| head'); nothing else happened"]
    lines = ["exit codes:"]
    for code in sorted(meanings):
        text = textwrap.wrap(", ".join(meanings[code]), width=74)
        lines.append(f"  {code:<4} {text[0]}")
        lines.extend(f"       {more}" for more in text[1:])
    return "\n".join(lines) + "\n"
