"""`excolor colorize INPUT OUTPUT --reference IMG | --shots SHOTS.json`: the batch/farm command.

This module parses and explains: each option is defined here once; the render job takes the
parsed values as its JobOptions (excolor.render.options), checks them and renders
(excolor.render.job), its batch stepping the runs, saving states and resuming (excolor.render.batch).
"""
import argparse
from pathlib import Path

from . import EXIT_CODES

# x264's and x265's preset names (kept here so that --help does not import the video module).
PRESETS = ("ultrafast", "superfast", "veryfast", "faster", "fast", "medium", "slow", "slower",
           "veryslow", "placebo")
# --motion's words: excolor.engine.tuning.MOTIONS (kept here so that --help imports no engine).
MOTIONS = ("dis", "graph")
# --edl-rate's help, also `excolor farm`'s (which passes it to every task).
# --saturation's upper bound: excolor.engine.exemplar.MAX_SATURATION (kept here for the same reason).
MAX_SATURATION = 4.0
EDL_RATE_HELP = ("with --shots CUT.edl: the frame rate its timecode is read at, e.g. 25, 23.976 (= 24000/1001) "
                 "or 29.97 (default: INPUT's rate for a video, else 29.97 for a drop-frame EDL, else 24)")

HELP = """\
Colorize a gray (or faded) shot from colored reference images. INPUT and OUTPUT are video
files (.mp4 .mov .mkv ...) or image sequences named with a frame field, name.%04d.ext or
name.####.ext (EXR half/float, DPX, TIFF, PNG 8/16-bit, JPEG); frame numbers are as on disk,
0-based for a video. Only chroma changes: luminance, alpha and extra channels are kept, and an
image sequence keeps its bit depth and channels.

examples:
  # one shot, one reference (the true colour of frame 0 of the clip: found, and pinned there):
  excolor colorize plugin/samples/carphone.mp4 carphone_colorized.mp4 \\
      --reference plugin/samples/carphone_reference.png --preview carphone_sheet.png

  # several shots, each with its own reference(s); the EXRs keep their pixel type and alpha:
  excolor shots plates/reel1.####.exr -o shots.json      # then fill in the references
  excolor colorize plates/reel1.####.exr out/reel1.####.exr --shots shots.json

  # a reference pinned to the frame it is the coloured version of (runs go both ways); without
  # --reference-frame that frame is found when the reference is one of the shot's frames:
  excolor colorize in.%04d.png out.%04d.png --reference key_1050.png --reference-frame 1050

  # a render farm: chunks of one shot, each continuing from the state the previous chunk saved
  excolor colorize in.####.exr out.####.exr --shots shots.json --frames 1001-1050
  excolor colorize in.####.exr out.####.exr --shots shots.json --frames 1051-1100
  # (where two keyframes of a shot meet, the backward runs are their own chain, in reverse:
  #  ... --frames 1051-1100 --direction backward, then ... --frames 1001-1050 --direction backward;
  #  or --preroll 30 for independent, approximate chunks)

  # scene-linear ACES plates with the studio's OCIO config:
  excolor colorize in.####.exr out.####.exr --reference key.exr \\
      --ocio-config /studio/config.ocio --input-space ACEScg

resuming and safety:
  Each frame is written atomically. Progress is kept in OUTPUT's folder under .excolor/ (run
  states, stamped with a fingerprint of the model, reference images and settings), so running
  the same command again after a crash or Ctrl-C finishes the job, and the result equals an
  uninterrupted render pixel for pixel (byte for byte but for EXR headers' write time), at any
  --threads. A changed key (a reference, or its frame) or plate (a file rewritten) renders
  again the runs that read it and the frames made from them, and keeps the rest (one line per
  shot says which); a changed model, setting or shot boundary stops the rerun, naming the
  change; --overwrite renders everything again. With --frames A-B a forward run
  continues from its state at A-1 and a backward run from its state at B+1; if that state is
  not there yet the chunk does what it can and exits with code 6, naming the chunk it waits for.
  A video OUTPUT is written to a temporary file and renamed when complete; chunks into one video
  add to it (its frames stay in .excolor/ until it holds the whole INPUT), and other encoder
  settings encode it again from them (refused once they are gone). Frames that no shot covers
  are copied from INPUT into a video, and left out of an image sequence. A finished run keeps
  no state; 'excolor clean OUTPUT' removes the rest of what a finished job no longer needs.
  Before the first frame renders, every option is checked (a video OUTPUT's encoder settings by
  encoding one frame) and so is every path the command writes (OUTPUT, --preview, --matte,
  .excolor/): never an input, a reference or the shot list, never a file this render did not
  write unless --overwrite; a refused command creates nothing.
"""


def add_parser(sub):
    parser = sub.add_parser(
        "colorize",
        help="colorize a video or image sequence from reference image(s)",
        description=HELP,
        epilog=EXIT_CODES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("input", metavar="INPUT", help="video file or image sequence to colorize")
    parser.add_argument("output", metavar="OUTPUT", help="video file or image sequence to write")
    what = parser.add_argument_group("references (one of)")
    source = what.add_mutually_exclusive_group()
    source.add_argument("--reference", type=Path, metavar="IMG", help="one colored reference for the whole input (or --frames)")
    source.add_argument("--shots", type=Path, metavar="SHOTS.json",
                        help='shot list: {"shots": [{"start": A, "end": B, "reference": "key.png"}, ...]} '
                             "(see 'excolor shots')")
    what.add_argument("--edl-rate", type=frame_rate, metavar="RATE", help=EDL_RATE_HELP)
    what.add_argument("--reference-frame", type=reference_frame, default="auto", metavar="auto|none|N",
                      help="with --reference: the frame the reference is the coloured version of. auto "
                           "(default): find it; the shot is scanned before the first frame renders, the "
                           "reference pinned to the frame it matches beyond doubt (said on stderr), else "
                           "kept unpinned. N: pinned to frame N (runs go both ways from it; the output there "
                           "is the reference). none: never pinned, for a picture of another scene or "
                           "moment (it starts the shot and is matched like an exemplar)")
    frames = parser.add_argument_group("frames and farm chunks")
    frames.add_argument("--frames", metavar="A-B", help="render only frames A..B (inclusive); a farm chunk")
    frames.add_argument("--direction", choices=("both", "forward", "backward"), default="both",
                        help="render only forward or only backward runs (two chains of farm chunks "
                             "where keyframes meet; default both)")
    frames.add_argument("--chunk-of", metavar="K:SIZE",
                        help="with --frames LO-HI and --direction forward|backward (a chain's frames): render "
                             "only its K-th chunk (1-based) of SIZE frames, counted in the direction's order: "
                             "forward from LO up (chunk K is LO+(K-1)*SIZE..LO+K*SIZE-1), backward from HI "
                             "down (HI-K*SIZE+1..HI-(K-1)*SIZE), the last chunk cut at the chain's end; e.g. "
                             "--frames 1001-1100 --direction backward --chunk-of 2:40 renders 1021-1060. The "
                             "chunk is then --frames of its frames (state chain, resume, exit 6). A K past the "
                             "end renders nothing and exits 0: farm steps written once whose frames follow a "
                             "chunk-size parameter (excolor farm openjd)")
    frames.add_argument("--preroll", type=int, default=0, metavar="N",
                        help="independent chunks: start each run crossing into --frames fresh N frames "
                             "before it (rendered, not written) instead of from the previous chunk's "
                             "state; close to, not equal to, a one-go render")
    frames.add_argument("--state-every", type=int, default=10, metavar="N",
                        help="save each run's state every N frames (default 10) and at its last frame")
    model = parser.add_argument_group("model and device")
    model.add_argument("--model", metavar="NAME|DIR", help="model name or directory (default: the packaged model)")
    model.add_argument("--network-size", type=int, metavar="N", help="long side of the network's working size in pixels")
    model.add_argument("--device", choices=("auto", "cpu", "cuda"), default="auto",
                       help="ONNX Runtime device (default auto: CUDA when available)")
    model.add_argument("--io-threads", type=non_negative, default=2, metavar="N",
                       help="threads writing frames while the next ones render, with frames decoded "
                            "ahead on one more (default 2; more helps big frames on many cores); "
                            "0 reads, renders and writes one thing at a time (least memory)")
    model.add_argument("--threads", type=positive, metavar="N",
                       help="use at most N threads in each of excolor's pools (ONNX Runtime, the "
                            "colour work, OpenCV, BLAS; --io-threads at most N), e.g. the cores a farm "
                            "task reserved (default: every core)")
    model.add_argument("--motion", choices=MOTIONS, default="dis",
                       help="how motion between frames is found: dis (default: OpenCV's DIS optical flow on "
                            "the host's cores) or graph (experimental until measured on CUDA: a coarse-to-fine "
                            "estimator as an ONNX graph on --device, beside the network; other pixels than dis)")
    colour = parser.add_argument_group("colour")
    colour.add_argument("--ocio-config", metavar="FILE", help="OCIO config (default: OCIO's built-in CG config)")
    colour.add_argument("--input-space", metavar="NAME",
                        help="INPUT's colourspace in that config (default: sRGB for integer files and "
                             "video, Linear Rec.709 for EXR/float)")
    colour.add_argument("--reference-colorspace", metavar="NAME",
                        help="the reference images' colourspace in that config, for every reference of the "
                             "job: each is converted from NAME into INPUT's colourspace, then seen as the "
                             "plates are (default: integer files, PNG/JPEG/8-16-bit TIFF, are display sRGB; "
                             "float files, EXR, are in INPUT's colourspace)")
    colour.add_argument("--saturation", type=float, metavar="X",
                        help=f"chroma gain, 0..{MAX_SATURATION:g} (default from the model's manifest, usually "
                             f"1.0; above {MAX_SATURATION:g} every colour is past the display's gamut)")
    out = parser.add_argument_group("output")
    out.add_argument("--preview", metavar="SHEET.png",
                     help="also write a contact sheet: input / reference / output / confidence at the "
                          "first, middle and last frame of each shot and at the frames to key next "
                          "(see --report), marked")
    out.add_argument("--report", nargs="?", const="-", metavar="REPORT.json",
                     help="also report how sure the colours are and where to key next: per shot, the "
                          "frames' mean confidence and share of unsure pixels, and up to 3 frames to key "
                          "next (the least sure, spaced apart, never a pinned frame); as text on stderr, "
                          "or as JSON in REPORT.json. Frames done by an earlier run of the command are "
                          "reported too; a --frames chunk reports its own frames")
    out.add_argument("--matte", metavar="OUT|channel",
                     help="also write each frame's confidence matte (1 where the colours can be trusted, "
                          "0 where not): OUT an image sequence, e.g. matte.####.exr (one channel Y; EXR half, "
                          "or 16-bit PNG/TIFF), numbered as INPUT's frames, also for a video OUTPUT; or "
                          "'channel': a channel named excolor.confidence in each OUTPUT EXR file. Resume, "
                          "--frames chunks and --preroll treat it as part of each frame")
    out.add_argument("--overwrite", action="store_true",
                     help="replace existing output frames, sheets and state that this render did not "
                          "make (inputs and references are never replaced)")
    out.add_argument("--stream", action="store_true",
                     help="video OUTPUT: encode frames as they finish instead of keeping each one "
                          "losslessly in .excolor/ first (faster; needs frames that finish in order, "
                          "i.e. keyframes at the start of their shots, and the whole input; an "
                          "interrupted streamed render starts over instead of resuming)")
    out.add_argument("--codec", default="libx264", help="video OUTPUT codec (FFmpeg name, default libx264)")
    out.add_argument("--crf", type=int, default=18, help="video OUTPUT quality, lower is better (default 18)")
    out.add_argument("--preset", choices=PRESETS, metavar="NAME",
                     help="libx264/libx265 speed against file size at the same --crf: "
                          f"{', '.join(PRESETS)} (default: the encoder's medium)")
    out.add_argument("--pix-fmt", metavar="FMT",
                     help="video OUTPUT pixel format (default yuv420p, yuv444p for odd sizes)")
    out.add_argument("--fps", type=frame_rate, metavar="RATE",
                     help="video OUTPUT frame rate when INPUT is an image sequence: 25, 23.976 (= 24000/1001, "
                          "as 29.97, 59.94 ... are NTSC rates) or 24000/1001 (default: the rate the "
                          "sequence's EXR/DPX header declares, else 24). A video INPUT's rate is kept: "
                          "--fps with one is refused")
    parser.set_defaults(run=run)
    return parser


def non_negative(text):
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a whole number") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be 0 or more, got {text}")
    return value


def reference_frame(text):
    """--reference-frame: "auto", "none" or a frame number."""
    if text in ("auto", "none"):
        return text
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not auto, none or a frame number") from None


def positive(text):
    value = non_negative(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be 1 or more, got {text}")
    return value


def frame_rate(text):
    """--fps, --edl-rate: a rate as people type it, as the exact Fraction it means
    (excolor.io.frame_rates: 23.976 is 24000/1001)."""
    # Imported here, not at the top: `excolor --help` must not load the io package.
    from ..io.frame_rates import parse_frame_rate

    try:
        return parse_frame_rate(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


def run(args):
    # Imported here, not at the top: `excolor --help` loads every command's module, and the job
    # loads OpenImageIO, PyAV and ONNX Runtime.
    from ..render.job import colorize
    from ..render.options import JobOptions

    return colorize(JobOptions.from_namespace(args))
