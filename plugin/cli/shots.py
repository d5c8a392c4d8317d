"""`excolor shots INPUT -o SHOTS.json`: find the cuts, write a shot list with placeholders.

`-o` names the format by its extension (WRITTEN) or is `-`, standard output (JSON); the path is
checked before any frame is read, by the rule every path excolor writes follows
(excolor.render.output_paths): never INPUT or a frame of INPUT's sequence, an existing file only
with --overwrite.
"""
import argparse
import logging
import sys
from pathlib import Path

from ..errors import InputError, OutputError, UsageError
from ..shotlists.timeline_writing import write_timeline
from . import EXIT_CODES

log = logging.getLogger(__name__)

# -o's extension -> the format written (the writers: excolor.shotlists.entries and .timeline_writing).
WRITTEN = {".json": "a SHOTS.json shot list", ".otio": "an OpenTimelineIO timeline"}
STDOUT = "-"  # -o - writes the JSON shot list to standard output

HELP = """\
Find the cuts in INPUT with PySceneDetect (content detector, luminance only, so gray plates
work) and write SHOTS.json: one shot per cut-free stretch, frame numbers as on disk (0-based
for a video), each with "reference": null. Fill in each shot's reference image (a path
relative to SHOTS.json), then run 'excolor colorize INPUT OUTPUT --shots SHOTS.json'.

-o names the format by its extension: .json (SHOTS.json) or .otio (an OpenTimelineIO timeline,
one clip per shot, its source range in INPUT's timecode: a video's from its start timecode, a
sequence's frame numbers at its rate, else 24 fps; its media INPUT, an image sequence as OTIO's
ImageSequenceReference); '-o -' writes the JSON to standard output. INPUT is never written, and an
existing file is replaced only with --overwrite.

examples:
  excolor shots plates/reel1.%04d.exr -o reel1_shots.json
  excolor shots clip.mp4 -o shots.json --threshold 20 --min-length 12

then edit shots.json, e.g.:
  {"shots": [{"start": 0, "end": 57, "reference": "keys/car.png"},
             {"start": 58, "end": 119, "reference": [{"image": "keys/a.png", "frame": 60},
                                                     {"image": "keys/b.png", "frame": 110}]}]}
"""


def add_parser(sub):
    parser = sub.add_parser(
        "shots",
        help="detect cuts and write a SHOTS.json with a reference placeholder per shot",
        description=HELP,
        epilog=EXIT_CODES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("input", metavar="INPUT", help="video file or image sequence (name.%%04d.ext / name.####.ext)")
    parser.add_argument("-o", "--output", metavar="SHOTS.json", required=True,
                        help="shot list to write: .json, .otio (an OpenTimelineIO timeline), "
                             "or - for standard output (JSON)")
    parser.add_argument("--threshold", type=float, default=27.0,
                        help="cut threshold: mean luminance/edge change that makes a cut (default 27; lower finds more cuts)")
    parser.add_argument("--min-length", type=int, default=15, metavar="FRAMES",
                        help="shortest shot in frames (default 15)")
    parser.add_argument("--frames", metavar="A-B", help="only look at frames A..B (inclusive)")
    parser.add_argument("--overwrite", action="store_true",
                        help="replace an existing file at -o (INPUT never)")
    parser.set_defaults(run=run)
    return parser


def run(args):
    # Imported here, not at the top: `excolor --help` loads every command's module, and these
    # load OpenImageIO, PyAV and tqdm.
    from ..io import open_input, ranges_text
    from ..render.progress import informing, progress_bar
    from ..shotlists.entries import detect_cuts, parse_frame_range, shot_list_text, write_shot_list

    paths = None if args.output == STDOUT else claimed_output(args)
    reader = open_input(args.input)
    try:
        first, last = reader.first, reader.last
        held = (reader.first, reader.last)  # the frames a timeline's media reference holds
        if args.frames is not None:  # "" is refused, not the whole input
            first, last = parse_frame_range(args.frames)
            if first < reader.first or last > reader.last:
                raise UsageError(
                    f"--frames {first}-{last} reaches outside the input "
                    f"(frames {reader.first}-{reader.last})"
                )
        missing = reader.missing(first, last)
        if missing:
            raise InputError(f"{reader.name}: frames {ranges_text(missing)} are missing on disk")
        progress = progress_bar(last - first + 1, "finding cuts")
        try:
            ranges = detect_cuts(reader, first, last, args.threshold, args.min_length, progress=progress)
        finally:
            if progress is not None:
                progress.close()
    finally:
        reader.close()
    output = Path(args.output)
    if paths is None:
        sys.stdout.write(shot_list_text(ranges))
        sys.stdout.flush()
    else:
        paths.create_folders()
        try:
            if output.suffix.lower() == ".otio":  # an editorial timeline (excolor.shotlists.timeline_writing)
                write_timeline(output, [(a, b, (), "") for a, b in ranges], media=args.input, span=held,
                               rate=reader.fps)
            else:
                write_shot_list(output, ranges)
        except OSError as error:
            raise OutputError(f"{output}: cannot write ({error})") from error
    if informing():
        written = "standard output" if paths is None else output
        print(f"{written}: {len(ranges)} shot(s) in frames {first}-{last}; fill in each \"reference\"",
              file=sys.stderr)
        for a, b in ranges:
            print(f"  {a}-{b}", file=sys.stderr)
    return 0


def claimed_output(args):
    """The OutputPaths holding -o (a file), checked and nothing created: OutputError where it is
    INPUT or a frame of INPUT's sequence (even with --overwrite), a folder, an existing file
    without --overwrite, or in a folder that cannot be made; UsageError for a format excolor
    shots does not write, naming those it does."""
    from ..render.output_paths import OutputPaths, protected_inputs

    output = Path(args.output)
    paths = OutputPaths(*protected_inputs(args.input, (), None, None), overwrite=args.overwrite,
                        writer="this command")
    paths.claim(output, "-o")
    if output.suffix.lower() not in WRITTEN:
        formats = ", ".join(f"{suffix} ({what})" for suffix, what in WRITTEN.items())
        raise UsageError(f"-o {output}: excolor shots writes {formats}, or '-o -' for JSON on standard "
                         f"output; not {output.suffix or 'a file without extension'}")
    return paths
