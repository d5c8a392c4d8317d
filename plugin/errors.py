"""One exception family for everything excolor reports to a user.

Each message names the bad value (file, frame, shot, key) and, where there are valid choices,
lists them. The CLI maps each class to an exit code (see `excolor --help`).
"""


class ExcolorError(Exception):
    """Base of every error excolor raises on purpose."""

    exit_code = 1


class UsageError(ExcolorError):
    """The command line or a settings file asks for something impossible."""

    exit_code = 2


class InputError(ExcolorError):
    """An input (frame, image, reference, shot list) is missing, unreadable or malformed."""

    exit_code = 3


class ModelError(ExcolorError):
    """A model directory or checkpoint is missing, corrupt, or does not match its manifest."""

    exit_code = 4


class ModelNotFoundError(ModelError):
    """A model name or directory that cannot be found."""


class CheckpointError(ModelError):
    """A checkpoint file whose keys or shapes do not fit the architecture, or that is no checkpoint."""


class OutputError(ExcolorError):
    """The output cannot be written, or writing it would destroy something the user had."""

    exit_code = 5


class StateError(ExcolorError):
    """Saved state is missing (a farm chunk waiting for another) or was made with other settings."""

    exit_code = 6


class ProviderUnavailableError(ExcolorError):
    """An ONNX Runtime execution provider was requested that this installation lacks."""

    exit_code = 4
