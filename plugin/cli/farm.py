"""`excolor farm ENGINE INPUT OUTPUT --shots SHOTS --chunk N`: a colorize job for a farm engine.

Parsing only; the job is planned by excolor.hosts.farm.plan and translated by one engine module.
"""
import argparse
import importlib.util
import shlex
import sys
import warnings
from pathlib import Path

from ..errors import UsageError
from .colorize import EDL_RATE_HELP, frame_rate, positive

HELP = """\
Split every shot of SHOTS into chunks of N frames and hand the chunks to a farm engine as
'excolor colorize INPUT OUTPUT --shots SHOTS --frames A-B --direction forward|backward' tasks.
A chunk continues each run from the state the previous chunk of its chain saved, so the job's
dependencies follow the chain: forward chunks of a shot in order, backward chunks (where a
keyframe is pinned after the shot's start) in reverse order; shots and chains run in parallel.
The frames' pixels equal a one-go 'excolor colorize'. OUTPUT must be an image sequence.
Before anything is written, the tasks are checked here as each would check itself before its
first frame, with its message and exit code: the flags, INPUT and its frames, the shots
against INPUT, every reference image, the model (a --model name must be known here too) and
--network-size, the OCIO config and --input-space (only --device is left to the render nodes).
Every path is made absolute and normal (no '.' or '..', so a farm's path mapping applies);
without --ocio-config, $OCIO of this machine is written into the job, so the render nodes use
this machine's colour config whatever their own $OCIO is.

A reference with no frame in SHOTS (no "reference_frame"/"frame", or null) is looked for here,
once, as 'excolor colorize' would (one line per reference on stderr): its shot's frames are read
from INPUT and the reference is pinned to the frame it matches beyond doubt, else kept
unpinned. The shot list with those frames is written beside the job, JOB.shots.json (in a
bundle: shots.json; with no job file, as Ray and an OpenCue launch run: beside OUTPUT's frames,
NAME.shots.json), and the tasks read it instead of SHOTS, so no chunk scans again.

engines (each needs its extra: pip install 'excolor[ENGINE]', or 'excolor[farm]' for all):
  openjd           write an Open Job Description template (-o job.yaml) and its parameter
                   values (job.params.json); run it here with
                   'openjd run job.yaml -p file://job.params.json'         [openjd]
                   The chunk size is its job parameter ChunkSize (default --chunk, at least
                   --min-chunk): '-p ChunkSize=100', or the bundle's form. OpenJD orders steps,
                   not the tasks of a step, so each chain gets the steps of its chunks of
                   --min-chunk frames, step k rendering chunk k of ChunkSize frames
                   ('colorize --chunk-of k:SIZE'); with a larger ChunkSize the last steps of a
                   chain have nothing to render and finish at once
  deadline-bundle  write an AWS Deadline Cloud job bundle into a folder (-o DIR): template.yaml,
                   parameter_values.yaml, asset_references.yaml; submit it with
                   'deadline bundle submit DIR'                             [openjd]
  opencue          write the OpenCue job spec PyOutline makes (-o job.xml); --launch submits it
                   to the Cuebot PyOutline is configured for                [opencue]
  ray              run the chunks now as Ray tasks (--address of a cluster, default: a local
                   instance), each chunk's lines shown as they come; a chunk whose process
                   dies is rerun and resumes (--retries), one that exits with an excolor
                   error (2-6) is not; a failure ends with one line naming the chunk and its
                   log (NAME.logs/ beside OUTPUT's frames), with the chunk's exit code  [ray]

Each task runs with '--threads N' (default 1) and each engine reserves N cores for it (an
OpenJD vCPU host requirement, OpenCue layer cores, Ray num_cpus). The job files run 'excolor'
from the render node's PATH (an OpenJD template's ExcolorCommand parameter), Ray runs the
Python that made the job, unless --excolor says otherwise. --shot N|NAME: the job of that one
shot of SHOTS. deadline-bundle --split-shots N: one bundle per N shots (DIR/NAME-shots-A-B/).

examples:
  excolor farm openjd plates/a.####.exr out/a.####.exr --shots shots.json --chunk 50 -o job.yaml
  openjd run job.yaml -p file://job.params.json
  excolor farm openjd plates/a.####.exr out/a.####.exr --shots shots.json --chunk 50 --min-chunk 10 \\
      -o job.yaml
  openjd run job.yaml -p file://job.params.json -p ChunkSize=100
  excolor farm deadline-bundle plates/a.####.exr out/a.####.exr --shots shots.json --chunk 50 \\
      --threads 4 -o bundle/
  excolor farm opencue plates/a.####.exr out/a.####.exr --shots cut.otio --chunk 50 -o job.xml
  excolor farm opencue plates/a.####.exr out/a.####.exr --shots cut.otio --chunk 50 --shot sh010 --launch
  excolor farm deadline-bundle plates/a.####.exr out/a.####.exr --shots cut.edl --chunk 50 \\
      --split-shots 50 -o bundles/
  excolor farm ray plates/a.####.exr out/a.####.exr --shots shots.json --chunk 50 --address auto
"""
# engine -> (extra, modules it imports)
EXTRAS = {
    "openjd": ("openjd", ("yaml", "openjd.model")),
    "deadline-bundle": ("openjd", ("yaml", "openjd.model")),
    "opencue": ("opencue", ("outline",)),
    "ray": ("ray", ("ray",)),
}


def add_parser(sub):
    from . import EXIT_CODES

    parser = sub.add_parser(
        "farm",
        help="make a chunked colorize job for a farm engine (OpenJD, Deadline Cloud, OpenCue, Ray)",
        description=HELP,
        epilog=EXIT_CODES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("engine", choices=tuple(EXTRAS), help="the farm engine")
    parser.add_argument("input", metavar="INPUT", help="video file or image sequence to colorize")
    parser.add_argument("output", metavar="OUTPUT", help="image sequence to write (name.####.ext)")
    parser.add_argument("--shots", metavar="SHOTS", required=True,
                        help="shot list: SHOTS.json, an OpenTimelineIO .otio or a CMX 3600 .edl")
    parser.add_argument("--chunk", type=int, required=True, metavar="N",
                        help="frames per task (openjd, deadline-bundle: the ChunkSize parameter's default)")
    parser.add_argument("--min-chunk", type=int, metavar="M",
                        help="openjd, deadline-bundle: the smallest ChunkSize a submitter may set, 1 to N "
                             "(default N); the job has a step for each chunk of M frames of each chain")
    parser.add_argument("-o", "--job", metavar="FILE|DIR",
                        help="openjd/opencue: the job file to write; deadline-bundle: the bundle's folder")
    parser.add_argument("--overwrite", action="store_true",
                        help="replace an existing job file or bundle, and the shot list with the frames "
                             "found (not passed to the tasks)")
    parser.add_argument("--name", help="job name (default: excolor-<shot list name>)")
    parser.add_argument("--excolor", metavar="CMD",
                        help="command that runs excolor on the render nodes (default: 'excolor' from "
                             "their PATH; ray: this Python with -m excolor), e.g. '/opt/excolor/bin/excolor'")
    parser.add_argument("--shot", metavar="N|NAME",
                        help="only this shot of SHOTS (its number, 1-based, or its name); opencue: the "
                             "job's shot")
    parser.add_argument("--threads", type=positive, default=1, metavar="N",
                        help="threads of each task ('excolor colorize --threads N') and the cores "
                             "each engine reserves for it (default 1)")
    colorize = parser.add_argument_group("passed to every 'excolor colorize' task")
    colorize.add_argument("--model", metavar="NAME|DIR")
    colorize.add_argument("--network-size", type=int, metavar="N")
    colorize.add_argument("--device", choices=("auto", "cpu", "cuda"))
    colorize.add_argument("--ocio-config", metavar="FILE", help="default: $OCIO if set, else OCIO's built-in config")
    colorize.add_argument("--input-space", metavar="NAME")
    colorize.add_argument("--reference-colorspace", metavar="NAME")
    colorize.add_argument("--saturation", type=float, metavar="X")
    colorize.add_argument("--state-every", type=int, metavar="N")
    colorize.add_argument("--matte", metavar="OUT|channel", help="see 'excolor colorize --help' (made absolute)")
    colorize.add_argument("--edl-rate", type=frame_rate, metavar="RATE", help=EDL_RATE_HELP)
    engines = parser.add_argument_group("engine options")
    engines.add_argument("--split-shots", type=positive, metavar="N",
                         help="deadline-bundle: one bundle per N shots, in DIR/NAME-shots-A-B/ (a long cut's "
                              "one template is megabytes)")
    engines.add_argument("--launch", action="store_true", help="opencue: submit the job to the Cuebot")
    engines.add_argument("--show", help="opencue: show (default: PyOutline's configured show)")
    engines.add_argument("--address", help="ray: cluster address (default: start a local instance)")
    engines.add_argument("--retries", type=int, default=3,
                         help="ray / opencue: reruns of a chunk whose process died (default 3)")
    parser.set_defaults(run=run)
    return parser


def colorize_flags(args):
    """The colorize flags given to `excolor farm`, as argv for every task."""
    flags = []
    for name in ("model", "network_size", "device", "ocio_config", "input_space", "reference_colorspace",
                 "saturation", "state_every",
                 "matte", "edl_rate"):
        value = getattr(args, name)
        if value is not None:
            flags += [f"--{name.replace('_', '-')}", str(value)]
    return flags


def require_engine(engine):
    """Raise UsageError naming the extra to install when `engine`'s libraries are missing."""
    extra, modules = EXTRAS[engine]
    missing = [name for name in modules if not _importable(name)]
    if missing:
        raise UsageError(f"excolor farm {engine} needs {', '.join(missing)}, which the '{extra}' extra "
                         f"installs: pip install 'excolor[{extra}]'")


def _importable(name):
    try:
        return importlib.util.find_spec(name) is not None
    except ModuleNotFoundError:  # a dotted name whose parent package is missing
        return False


def _job_files(args):
    """The files this command would write (claimed by plan_job as any file excolor writes),
    besides the shot list with the frames found (`_found_shots`, which plan_job checks)."""
    if not args.job:
        return []
    if args.engine == "openjd":
        from ..hosts.farm.openjd import template_files

        return list(template_files(args.job))
    if args.engine == "deadline-bundle" and args.split_shots:
        return []  # the parts' folders are named after their shots: claimed once planned (_claim_parts)
    if args.engine == "deadline-bundle":
        from ..hosts.farm.deadline import BUNDLE_FILES

        return [Path(args.job) / name for name in BUNDLE_FILES]
    return [Path(args.job)]


def _found_shots(args):
    """Where the shot list with the frames found goes (written only when SHOTS has references
    with no frame): beside the job file, in the bundle, or None: plan_job's default, beside
    OUTPUT's frames (a job with no file)."""
    from ..hosts.farm.found_frames import beside

    if not args.job or args.engine == "ray":
        return None
    if args.engine == "deadline-bundle":
        return Path(args.job) / "shots.json"
    return beside(args.job)


def _write_bundles(job, args):
    """The deadline-bundle engine: one bundle in -o DIR, or with --split-shots one per N shots."""
    from ..hosts.farm import deadline, openjd

    if not args.split_shots:
        openjd.check_template(deadline.write_bundle(job, args.job))
        _say(f"wrote the job bundle {args.job}; submit it with: deadline bundle submit {shlex.quote(str(args.job))}")
        return
    parts = deadline.bundle_folders(job, args.job, args.split_shots)
    _claim_parts([folder / name for _part, folder in parts for name in deadline.BUNDLE_FILES], args.overwrite)
    for template in deadline.write_bundles(job, args.job, args.split_shots):
        openjd.check_template(template)
    _say(f"wrote {len(parts)} job bundle(s) of up to {args.split_shots} shot(s) in {args.job}; submit each with: "
         f"deadline bundle submit {shlex.quote(str(parts[0][1]))}")


def _claim_parts(files, overwrite):
    """The split bundles' files, refused as every job file is when one exists (exit 5) unless
    --overwrite: their names come from the shots, so they are known only once the job is planned."""
    from ..errors import OutputError

    existing = [str(path) for path in files if path.exists()]
    if existing and not overwrite:
        raise OutputError(f"{existing[0]}: exists ({len(existing)} file(s) of the bundles); pass --overwrite "
                          "to replace them, or give another -o")


def _show_warning(message, *_where, **_file_and_line):
    # warnings.showwarning's signature: only the message is shown, as one of the command's lines.
    print(f"excolor farm: warning: {message}", file=sys.stderr)


def _say(line):
    """An informational line on stderr, left out under -q."""
    from ..render.progress import informing

    if informing():
        print(line, file=sys.stderr)


def run(args):
    # The plan and each engine import here, not at the top: `excolor --help` loads every
    # command's module, and these load the shot-list readers and the engines' libraries.
    from ..hosts.farm.plan import plan_job

    require_engine(args.engine)
    if args.engine != "ray" and not args.job and not (args.engine == "opencue" and args.launch):
        what = "-o DIR (the bundle's folder)" if args.engine == "deadline-bundle" else "-o FILE"
        raise UsageError(f"excolor farm {args.engine}: give the job to write with {what}")
    if args.split_shots and args.engine != "deadline-bundle":
        raise UsageError(f"--split-shots: splits a deadline-bundle job; not for excolor farm {args.engine}")
    if args.min_chunk is not None and args.engine not in ("openjd", "deadline-bundle"):
        raise UsageError(f"--min-chunk: the smallest ChunkSize of an OpenJD job (openjd, deadline-bundle); "
                         f"excolor farm {args.engine} runs chunks of --chunk frames")
    # A farm's render nodes run excolor from their PATH; Ray's workers run this Python.
    excolor = shlex.split(args.excolor) if args.excolor else (None if args.engine == "ray" else ["excolor"])
    with warnings.catch_warnings():
        # The tasks' checks warn as `excolor colorize` does (frames no shot covers): one line each.
        warnings.simplefilter("always")
        warnings.showwarning = _show_warning
        job = plan_job(args.input, args.output, args.shots, args.chunk, colorize_flags(args),
                       excolor=excolor, name=args.name, threads=args.threads, found_shots=_found_shots(args),
                       replace=args.overwrite, job_files=_job_files(args), shot=args.shot,
                       min_chunk=args.min_chunk)
    for line in job.found:
        _say(f"excolor farm: {line}")
    if job.found:
        _say(f"excolor farm: wrote {job.shots}, the shot list with those frames, which the tasks read")
    if args.engine in ("openjd", "deadline-bundle"):
        from ..hosts.farm.openjd import chain_steps

        _say(f"excolor farm: {len(chain_steps(job))} step(s) in {len(job.spans)} chain(s), for chunks of "
             f"ChunkSize frames (default {job.chunk}, at least {job.min_chunk}), {job.threads} thread(s) each")
    else:
        _say(f"excolor farm: {len(job.tasks)} task(s) in {len(job.chains())} chain(s) of chunks of "
             f"{args.chunk} frames, {job.threads} thread(s) each")
    if args.engine == "openjd":
        from ..hosts.farm import openjd

        template, values = openjd.write_template(job, args.job)
        openjd.check_template(template)
        _say(f"wrote {template} and {values}; run it here with: openjd run {shlex.quote(str(template))} "
             f"-p {shlex.quote('file://' + str(values))}")
    elif args.engine == "deadline-bundle":
        _write_bundles(job, args)
    elif args.engine == "opencue":
        from ..hosts.farm import opencue

        if args.job:
            opencue.write_spec(job, args.job, show=args.show, shot=job.shot_name or None, maxretries=args.retries)
            _say(f"wrote {args.job}")
        if args.launch:
            opencue.launch(job, show=args.show, shot=job.shot_name or None, maxretries=args.retries)
            _say(f"excolor farm: submitted {job.name} to the Cuebot")
    else:
        from ..hosts.farm import ray_cluster

        results = ray_cluster.run(job, address=args.address, retries=args.retries,
                                  report=lambda line: _say(f"excolor farm: {line}"))
        retried = [r.name for r in results if r.attempt > 1]
        _say(f"excolor farm: {len(results)} chunk(s) done" + (f" ({len(retried)} retried)" if retried else ""))
    return 0
