"""The `excolor` command: a thin front that parses, dispatches and maps errors to exit codes.

Each subcommand lives in its own module of this package with two functions:
`add_parser(subparsers)` (argparse only, no heavy imports) and `run(args) -> int`. Heavy
libraries (torch, onnxruntime, av) are imported inside `run`, so `excolor --help` is instant.
"""
import argparse
import importlib
import logging
import os
import signal
import sys
import threading

from .. import __version__
from ..errors import INTERRUPTED_EXIT, SIGPIPE_EXIT, ExcolorError, exit_code_help

# (command, module) in the order `excolor --help` lists them.
COMMANDS = (
    ("colorize", "colorize"),
    ("shots", "shots"),
    ("farm", "farm"),
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
    parser.add_argument("-v", "--verbose", action="count", default=0, help="log more (-vv for debug)")
    parser.add_argument("--debug", action="store_true", help="show the full traceback on errors")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", title="commands")
    for _name, module in COMMANDS:
        importlib.import_module(f".{module}", __name__).add_parser(sub)
    return parser


def main(argv=None):
    previous = None
    # Only where Ctrl-C raises KeyboardInterrupt: a process started with SIGINT ignored
    # (`nohup`, a background job) keeps ignoring it.
    if threading.current_thread() is threading.main_thread() and \
            signal.getsignal(signal.SIGINT) is signal.default_int_handler:
        previous = signal.signal(signal.SIGINT, _interrupted)
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


def _interrupted(_signum, frame):
    """SIGINT handler: KeyboardInterrupt, so that a render saves its state and exits 130 -
    except while a module is being imported. Commands import their heavy libraries (PyAV,
    ONNX Runtime, OpenImageIO) as they start, and an interrupt raised inside an extension's
    import comes out as a chained ImportError traceback, or leaves a half-initialised module.
    So during an import the process ends at once, quietly, with the same exit code: at start-up
    nothing is written yet, and every file excolor writes is atomic, so a later run resumes."""
    while frame is not None:
        if frame.f_code.co_filename.startswith("<frozen importlib"):
            print("excolor: interrupted", file=sys.stderr, flush=True)
            os._exit(INTERRUPTED_EXIT)
        frame = frame.f_back
    raise KeyboardInterrupt


def _main(argv):
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help(sys.stderr)
        return 2
    logging.basicConfig(
        level=(logging.WARNING, logging.INFO, logging.DEBUG)[min(args.verbose, 2)],
        format="excolor: %(levelname)s: %(message)s",
    )
    try:
        return args.run(args)
    except ExcolorError as error:
        if args.debug:
            raise
        print(f"excolor {args.command}: error: {error}", file=sys.stderr)
        return error.exit_code
    except KeyboardInterrupt:
        print(f"excolor {args.command}: interrupted", file=sys.stderr)
        return INTERRUPTED_EXIT
