"""One exception family for everything excolor reports to a user.

Each message names the bad value (file, frame, shot, key) and, where there are valid choices,
lists them. Each class carries the command's exit code for it and what that code means;
`exit_code_help()` writes the table every `excolor ... --help` ends with, so the codes are
defined here once.
"""
import textwrap

SUCCESS_EXIT = 0
INTERRUPTED_EXIT = 128 + 2  # what a shell reports for a process ended by SIGINT (Ctrl-C)
SIGPIPE_EXIT = 128 + 13  # ... and by SIGPIPE


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
