"""`excolor farm ENGINE INPUT OUTPUT --shots SHOTS --chunk N`: a colorize job for a farm engine.

Parsing only; the job is planned by excolor.hosts.farm.plan and translated by one engine module.
"""
import argparse

HELP = """\
Split every shot of SHOTS into chunks of N frames and hand the chunks to a farm engine as
'excolor colorize INPUT OUTPUT --shots SHOTS --frames A-B --direction forward|backward' tasks.
A chunk continues each run from the state the previous chunk of its chain saved, so the job's
dependencies follow the chain: forward chunks of a shot in order, backward chunks (where a
keyframe is pinned after the shot's start) in reverse order; shots and chains run in parallel.
The frames equal a one-go 'excolor colorize' byte for byte. OUTPUT must be an image sequence.

engines:
  openjd   write an Open Job Description template (-o job.yaml) and its parameter values
           (job.params.json): AWS Deadline Cloud, or run it here with
           'openjd run job.yaml -p file://job.params.json'
  opencue  write the OpenCue job spec PyOutline makes (-o job.xml); --launch submits it to the
           Cuebot PyOutline is configured for
  ray      run the chunks now as Ray tasks (--address of a cluster, default: a local instance);
           a chunk whose process dies is rerun and resumes (--retries)

examples:
  excolor farm openjd plates/a.####.exr out/a.####.exr --shots shots.json --chunk 50 -o job.yaml
  openjd run job.yaml -p file://job.params.json
  excolor farm opencue plates/a.####.exr out/a.####.exr --shots cut.otio --chunk 50 -o job.xml
  excolor farm ray plates/a.####.exr out/a.####.exr --shots shots.json --chunk 50 --address auto
"""


def add_parser(sub):
    from . import EXIT_CODES

    parser = sub.add_parser(
        "farm",
        help="make a chunked colorize job for a farm engine (OpenJD, OpenCue, Ray)",
        description=HELP,
        epilog=EXIT_CODES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("engine", choices=("openjd", "opencue", "ray"), help="the farm engine")
    parser.add_argument("input", metavar="INPUT", help="video file or image sequence to colorize")
    parser.add_argument("output", metavar="OUTPUT", help="image sequence to write (name.####.ext)")
    parser.add_argument("--shots", metavar="SHOTS", required=True,
                        help="shot list: SHOTS.json, an OpenTimelineIO .otio or a CMX 3600 .edl")
    parser.add_argument("--chunk", type=int, required=True, metavar="N", help="frames per task")
    parser.add_argument("-o", "--job", metavar="FILE", help="openjd/opencue: the job file to write")
    parser.add_argument("--name", help="job name (default: excolor-<shot list name>)")
    parser.add_argument("--excolor", metavar="CMD",
                        help="command that runs excolor on the render nodes (default: this Python "
                             "with -m excolor), e.g. 'excolor' or '/opt/excolor/bin/excolor'")
    colorize = parser.add_argument_group("passed to every 'excolor colorize' task")
    colorize.add_argument("--model", metavar="NAME|DIR")
    colorize.add_argument("--network-size", type=int, metavar="N")
    colorize.add_argument("--device", choices=("auto", "cpu", "cuda"))
    colorize.add_argument("--ocio-config", metavar="FILE")
    colorize.add_argument("--input-space", metavar="NAME")
    colorize.add_argument("--saturation", type=float, metavar="X")
    colorize.add_argument("--state-every", type=int, metavar="N")
    engines = parser.add_argument_group("engine options")
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
    for name in ("model", "network_size", "device", "ocio_config", "input_space", "saturation", "state_every"):
        value = getattr(args, name)
        if value is not None:
            flags += [f"--{name.replace('_', '-')}", str(value)]
    return flags


def run(args):
    import shlex
    import sys
    from pathlib import Path

    from ..errors import OutputError, UsageError
    from ..hosts.farm.plan import plan_job

    if args.engine in ("openjd", "opencue") and not args.job and not (args.engine == "opencue" and args.launch):
        raise UsageError(f"excolor farm {args.engine}: give the job file to write with -o FILE")
    excolor = shlex.split(args.excolor) if args.excolor else None
    job = plan_job(args.input, args.output, args.shots, args.chunk, colorize_flags(args),
                   excolor=excolor, name=args.name)
    chains = len(job.chains())
    print(f"excolor farm: {len(job.tasks)} task(s) in {chains} chain(s) of chunks of {args.chunk} frames",
          file=sys.stderr)
    if args.job and Path(args.job).exists():
        raise OutputError(f"{args.job}: exists; remove it or give another -o")
    if args.engine == "openjd":
        from ..hosts.farm import openjd

        template, values = openjd.write_template(job, args.job)
        openjd.check_template(template)
        print(f"wrote {template} and {values}; run it here with: openjd run {shlex.quote(str(template))} "
              f"-p {shlex.quote('file://' + str(values))}", file=sys.stderr)
    elif args.engine == "opencue":
        from ..hosts.farm import opencue

        if args.job:
            opencue.write_spec(job, args.job, show=args.show, maxretries=args.retries)
            print(f"wrote {args.job}", file=sys.stderr)
        if args.launch:
            opencue.launch(job, show=args.show, maxretries=args.retries)
            print(f"excolor farm: submitted {job.name} to the Cuebot", file=sys.stderr)
    else:
        from ..hosts.farm import ray_cluster

        results = ray_cluster.run(job, address=args.address, retries=args.retries)
        retried = [r.name for r in results if r.attempt > 1]
        print(f"excolor farm: {len(results)} chunk(s) done" + (f" ({len(retried)} retried)" if retried else ""),
              file=sys.stderr)
    return 0
