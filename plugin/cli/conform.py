"""`excolor conform INPUT OUTPUT --shots CUT -o CONFORMED.otio`: the cut, its clips showing the
colorized OUTPUT, for the editing system to conform (excolor.shotlists.conform).

-o is checked by the rule every path excolor writes follows (excolor.render.output_paths): never
INPUT, OUTPUT, a reference image or the cut list, even with --overwrite; an existing file only
with --overwrite; a refused command creates nothing.
"""
import argparse
import sys
import warnings
from pathlib import Path

from ..errors import OutputError, UsageError
from . import EXIT_CODES
from .colorize import EDL_RATE_HELP, frame_rate

HELP = """\
Write the cut as an OpenTimelineIO timeline whose clips show the colorized OUTPUT, to conform
in the editing system: the timeline of --shots (an .otio or .edl cut list, or a SHOTS.json made
into a timeline as 'excolor shots -o S.otio' writes one) with every track, gap, transition,
clip name, source range, marker and metadata kept, and each clip that shows INPUT (the clips
'excolor colorize' made shots of) pointing at OUTPUT: an image sequence as OTIO's
ImageSequenceReference, a video as an ExternalReference, its available range in INPUT's
timecode so the source ranges stay as they were. INPUT stays on each clip as a second media
reference named excolor_input. Clips of other media are left as they were, named in a warning;
conform each reel in turn to relink them all. Every frame a clip shows must be in OUTPUT.

examples:
  excolor colorize A001.mov out/A001.####.exr --shots cut.otio
  excolor conform A001.mov out/A001.####.exr --shots cut.otio -o cut_colour.otio
  excolor conform B002.mov out/B002.mov --shots cut_colour.otio -o cut_colour2.otio
"""


def add_parser(sub):
    parser = sub.add_parser(
        "conform",
        help="write the cut (--shots) as a timeline whose clips show the colorized OUTPUT",
        description=HELP,
        epilog=EXIT_CODES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("input", metavar="INPUT", help="the video file or image sequence that was colorized")
    parser.add_argument("output", metavar="OUTPUT", help="the colorized video file or image sequence")
    parser.add_argument("--shots", type=Path, metavar="CUT", required=True,
                        help="the cut list colorize read: .otio, .edl or SHOTS.json")
    parser.add_argument("--edl-rate", type=frame_rate, metavar="RATE", help=EDL_RATE_HELP)
    parser.add_argument("-o", "--timeline", type=Path, metavar="CONFORMED.otio", required=True,
                        help="the timeline to write (.otio)")
    parser.add_argument("--overwrite", action="store_true",
                        help="replace an existing file at -o (never INPUT, OUTPUT, a reference or the cut list)")
    parser.set_defaults(run=run)
    return parser


def run(args):
    # Imported here, not at the top: `excolor --help` loads every command's module, and these
    # load OpenTimelineIO, OpenImageIO and PyAV.
    from ..render.output_paths import OutputPaths, protected_inputs
    from ..render.progress import informing
    from ..shotlists.conform import conform
    from ..shotlists.timeline_writing import write_otio

    if args.timeline.suffix.lower() != ".otio":
        raise UsageError(f"-o {args.timeline}: excolor conform writes an OpenTimelineIO timeline (.otio), not "
                         f"{args.timeline.suffix or 'a file without extension'}")
    if args.edl_rate is not None and args.shots.suffix.lower() != ".edl":
        raise UsageError("--edl-rate: the rate of a CMX 3600 EDL's timecode; --shots is not an .edl")
    with warnings.catch_warnings():
        warnings.simplefilter("always")
        warnings.showwarning = _show_warning
        done = conform(args.shots, args.input, args.output, args.edl_rate)
    paths = OutputPaths(*_protected(protected_inputs(args.input, done.references, args.shots, None), args.output),
                        overwrite=args.overwrite, writer="this command")
    paths.claim(args.timeline, "-o")
    paths.create_folders()
    try:
        write_otio(done.timeline, args.timeline)
    except OSError as error:
        raise OutputError(f"{args.timeline}: cannot write ({error})") from error
    if informing():
        left = f"; {len(done.left_out)} clip(s) of other media left as they were" if done.left_out else ""
        print(f"{args.timeline}: {done.relinked} clip(s) show {args.output}{left}", file=sys.stderr)
    return 0


def _show_warning(message, *_where, **_file_and_line):
    # warnings.showwarning's signature: only the message is shown, as one of the command's lines.
    print(f"excolor conform: warning: {message}", file=sys.stderr)


def _protected(inputs, output):
    """protected_inputs' (files, sequences) with OUTPUT, which conform reads, added."""
    from ..io import SequencePattern

    files, sequences = inputs
    pattern = SequencePattern.parse(output)
    if pattern is None:
        return {**files, Path(output): "OUTPUT"}, sequences
    return files, [*sequences, (pattern, "OUTPUT")]
