"""The `excolor` command: a thin front that parses, dispatches and maps errors to exit codes.

Each subcommand lives in its own module of this package with two functions:
`add_parser(subparsers)` (argparse only, no heavy imports) and `run(args) -> int`. Heavy
libraries (torch, onnxruntime, av) are imported inside `run`, so `excolor --help` is instant.
"""
import argparse
import importlib
import logging
import os
import sys

from .. import __version__
from ..errors import ExcolorError

SIGPIPE_EXIT = 128 + 13  # what a shell reports for a process ended by SIGPIPE
# (command, module) in the order `excolor --help` lists them.
COMMANDS = (
    ("colorize", "colorize"),
    ("shots", "shots"),
    ("farm", "farm"),
    ("import-official", "import_official"),
    ("train", "train"),
    ("export", "export"),
    ("info", "info"),
)

EXIT_CODES = """\
exit codes:
  0    success
  1    unexpected failure (a bug: please report it with --debug output)
  2    usage error: bad flags, bad frame range, bad shot list
  3    input error: missing or unreadable frame, reference or shot file
  4    model error: model not found, wrong hash, checkpoint that does not fit
  5    output error: output not writable, or it would overwrite the input
  6    state error: a farm chunk waits for a chunk not yet rendered, or saved
       state was made with another model, reference or settings
  130  interrupted (Ctrl-C); no partial file is left behind
  141  the output pipe was closed by its reader (e.g. '| head'); nothing else happened
"""


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
    try:
        return _main(argv)
    except BrokenPipeError:
        # The reader went away (`excolor info | head`): stop quietly, as a SIGPIPE'd tool does.
        # Python flushes stdout again at exit; point it at /dev/null so that flush is silent.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return SIGPIPE_EXIT


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
        return 130
