"""`excolor clean OUTPUT`: free the disk a finished render's `.excolor/` folder holds."""
import argparse
import sys

from . import EXIT_CODES

HELP = """\
Remove what 'excolor colorize' keeps beside OUTPUT in .excolor/ once the render is done.
OUTPUT is written as it was given to colorize (a video, or a sequence pattern such as
out/shot.####.exr); OUTPUT's own frames, videos, mattes, sheets and reports are never touched,
and nothing outside .excolor/<OUTPUT's name>/ is.

What goes (the bulk: gigabytes on a feature):
  run states (each run's memory of its last frame, ~15 MB at 1080p; a render already removes
  those of every run it finished), results waiting for a blend, a video's frames cached until
  the video holds the whole INPUT, temp files left by killed renders.

What stays (a few kilobytes a frame), unless --all:
  the fingerprint and each frame's marker: the same colorize command still says the output is
  complete (no --overwrite needed), --report still reports every frame, and a changed key or
  plate re-renders only the runs it touches. Without the cache, a video rendered in --frames
  chunks is encoded again only after its chunks are rendered again; a contact sheet of done
  frames is replayed from each run's first frame.

--shots A-B removes only the run states of shots A..B (their numbers in the shot list, 1-based):
the cleanup of a farm job that renders some of the shots of an OUTPUT other jobs render too.

--all removes the records too (the whole .excolor/<OUTPUT's name>/ folder): OUTPUT is then a
plain output that a later render replaces only with --overwrite.

Run it after the last task of a job, never beside a render of the same OUTPUT (temp files of a
render still running on this host are left, and said). Files in the folder that a render does
not write are left, and named.

examples:
  excolor clean out/reel1.####.exr             # a farm job's cleanup step
  excolor clean graded.mp4 --dry-run           # what would go, and how much
  excolor clean out/reel1.####.exr --all       # forget the render entirely
  excolor clean out/reel1.####.exr --shots 51-100   # one part of a job split by shots
"""


def add_parser(sub):
    parser = sub.add_parser(
        "clean", help="remove the run states and caches a finished render keeps in .excolor/",
        description=HELP, epilog=EXIT_CODES, formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("output", metavar="OUTPUT", help="colorize's OUTPUT: a video file or an image sequence pattern")
    parser.add_argument("--all", action="store_true", dest="all_records",
                        help="also remove the records (fingerprint, markers, confidence): the whole folder")
    parser.add_argument("--shots", type=_shot_span, metavar="A-B",
                        help="only the run states of shots A..B (1-based, as in the shot list); not with --all")
    parser.add_argument("-n", "--dry-run", action="store_true", help="remove nothing; list what would go")
    parser.set_defaults(run=run)
    return parser


def _shot_span(text):
    """'3' or '3-7' -> (first, last) shot numbers."""
    first, _, last = text.partition("-")
    try:
        span = (int(first), int(last or first))
    except ValueError:
        span = (0, 0)
    if not 1 <= span[0] <= span[1]:
        raise argparse.ArgumentTypeError(f"{text!r}: shots are N or A-B, 1-based, A <= B")
    return span


def run(args):
    # Imported here, not at the top: `excolor --help` must not load the io package.
    from .. import io
    from ..errors import UsageError
    from ..render.cleaning import clean_workspace
    from ..render.output_paths import output_location
    from ..render.progress import informing
    from ..render.workspace import Workspace

    kind = io.describe_kind(args.output)
    if kind not in ("video", "sequence"):
        raise UsageError(f"OUTPUT {args.output}: a video or an image sequence with a frame field, as given "
                         "to 'excolor colorize'")
    if args.shots and args.all_records:
        raise UsageError("--shots with --all: the records are the whole render's; clean them without --shots")
    root = Workspace(*output_location(args.output, kind)).root
    cleaned = clean_workspace(root, records=args.all_records, dry_run=args.dry_run, shots=args.shots)
    verb = "would remove" if args.dry_run else "removed"
    if args.dry_run:
        for path in cleaned.removed:
            print(path)
    if informing() or args.dry_run:
        where = root if root.is_dir() or args.dry_run else f"{root} (gone)"
        print(f"excolor clean: {verb} {len(cleaned.removed)} file(s), {cleaned.bytes / 1e6:.1f} MB, "
              f"from {where}", file=sys.stderr)
    for path in cleaned.busy:
        print(f"excolor clean: warning: left {path.name}: a render of OUTPUT is writing it", file=sys.stderr)
    for path in cleaned.kept:
        print(f"excolor clean: warning: left {path}: not a file excolor writes there", file=sys.stderr)
    return 0
