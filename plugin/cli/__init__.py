"""The `excolor` command: a thin front that parses, dispatches and maps errors to exit codes.

Each subcommand lives in its own module of this package with two functions:
`add_parser(subparsers)` (argparse only, no heavy imports) and `run(args) -> int`. Heavy
libraries (torch, onnxruntime, av) are imported inside `run`, so `excolor --help` is instant.
"""
from ..errors import guard_loading

guard_loading()  # before the other imports, and kept until main() takes charge (excolor.errors)

import argparse  # noqa: E402
import contextlib  # noqa: E402
import importlib  # noqa: E402
import logging  # noqa: E402
import os  # noqa: E402
import signal  # noqa: E402
import sys  # noqa: E402
import threading  # noqa: E402

from .. import __version__  # noqa: E402
from ..errors import (  # noqa: E402
    INTERRUPTED_EXIT,
    SIGPIPE_EXIT,
    ExcolorError,
    exit_code_help,
    interrupted_while_loading,
)

# (command, module) in the order `excolor --help` lists them.
COMMANDS = (
    ("colorize", "colorize"),
    ("shots", "shots"),
    ("conform", "conform"),
    ("farm", "farm"),
    ("clean", "clean"),
    ("import-official", "import_official"),
    ("train", "train"),
    ("train-fusion", "train_fusion"),
    ("export", "export"),
    ("info", "info"),
)

EXIT_CODES = exit_code_help()


def build_parser():
    parser = argparse.ArgumentParser(
        prog="excolor",
        description=(
            "Exemplar-based video colorization: give a gray shot and one colored reference\n"
            "(often a keyframe colored by hand); excolor carries its colours through every\n"
            "frame, in order and stable in time."
        ),
        epilog=EXIT_CODES + "\nRun 'excolor COMMAND --help' for what each command does.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"excolor {__version__}")
    _add_talk_options(parser, "")
    parser.add_argument("--debug", action="store_true", help="show the full traceback on errors")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", title="commands")
    for _name, module in COMMANDS:
        command = importlib.import_module(f".{module}", __name__).add_parser(sub)
        # Also after the command (`excolor colorize IN OUT ... -v`), where the options of a
        # command line end up; counted with those before it.
        _add_talk_options(command, "_after")
    return parser


def _add_talk_options(parser, suffix):
    """-v/--verbose (counted) and -q/--quiet into dests verbose{suffix} and quiet{suffix}. A
    command's own option of the same name (`excolor info --verbose`) keeps its meaning there."""
    for flags, settings in ((("-v", "--verbose"), dict(action="count", default=0, help="log more (-vv for debug)")),
                            (("-q", "--quiet"), dict(action="store_true", help=(
                                "no progress and no informational lines: only warnings, errors and "
                                "what was asked for (docs/cli.md)")))):
        try:
            parser.add_argument(*flags, dest=flags[1][2:] + suffix, **settings)
        except argparse.ArgumentError:
            continue


def main(argv=None):
    previous = None
    # Only where Ctrl-C raises KeyboardInterrupt (Python's handler, or the one this package
    # loaded under): a process started with SIGINT ignored (`nohup`, a background job) keeps
    # ignoring it. The handler raises KeyboardInterrupt, so that a render saves its state and
    # exits 130, except inside an import: commands import their heavy libraries (PyAV, ONNX
    # Runtime, OpenImageIO) as they start, and an interrupt raised inside an extension's import
    # comes out as a chained ImportError traceback, or leaves a half-initialised module; there,
    # and in main()'s own lines around the command (before its `try` is in place, or once the
    # command has returned), the process ends at once with one line (every file is atomic).
    if threading.current_thread() is threading.main_thread() and \
            signal.getsignal(signal.SIGINT) in (signal.default_int_handler, interrupted_while_loading):
        previous = signal.signal(signal.SIGINT, interrupted_while_loading)
    try:
        return _main(argv)
    except KeyboardInterrupt:
        # Ctrl-C before a command took charge of it (while parsing, or between imports).
        print("excolor: interrupted", file=sys.stderr)
        return INTERRUPTED_EXIT
    except BrokenPipeError:
        # The reader went away (`excolor info | head`): stop quietly, as a SIGPIPE'd tool does.
        # Python flushes stdout again at exit; point it at /dev/null so that flush is silent.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return SIGPIPE_EXIT
    finally:
        if previous is not None:  # main() called in a longer-lived process (a test, a host)
            signal.signal(signal.SIGINT, previous)


def _main(argv):
    from ..render.progress import quiet_lines

    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help(sys.stderr)
        return 2
    verbose = int(args.verbose) + getattr(args, "verbose_after", 0)
    quiet = args.quiet or getattr(args, "quiet_after", False)
    if quiet and verbose:
        parser.error("-q/--quiet and -v/--verbose exclude each other")
    try:
        with _log_lines(args.command, (logging.WARNING, logging.INFO, logging.DEBUG)[min(verbose, 2)]), \
                quiet_lines(quiet):
            return args.run(args)
    except ExcolorError as error:
        if args.debug:
            raise
        print(f"excolor {args.command}: error: {error}", file=sys.stderr)
        return error.exit_code
    except KeyboardInterrupt:
        print(f"excolor {args.command}: interrupted", file=sys.stderr)
        return INTERRUPTED_EXIT


class _CommandLineFormatter(logging.Formatter):
    """`excolor COMMAND: level: message`, the form of the command's own lines (`... warning:`,
    `... error:`): one prefix per line, so a farm log can be grepped by command and level."""

    def __init__(self, command):
        super().__init__()
        self.prefix = f"excolor {command}"

    def formatMessage(self, record):
        return f"{self.prefix}: {record.levelname.lower()}: {record.message}"


@contextlib.contextmanager
def _log_lines(command, level):
    """Log records at `level` and above on stderr, one line each, for the span of one command:
    main() may run in a longer-lived process (a host, a test) that keeps its own logging."""
    root = logging.getLogger()
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(_CommandLineFormatter(command))
    before = root.level
    root.addHandler(handler)
    root.setLevel(level)
    try:
        yield
    finally:
        root.removeHandler(handler)
        root.setLevel(before)
