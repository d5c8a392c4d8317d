"""A farm job as plain data: `excolor colorize` chunk tasks and the dependencies of the state chain.

Engines (openjd, opencue, ray_cluster) only translate a FarmJob; none holds colorization logic.

The chain (docs/cli.md, design.md "Batch and farm"): a chunk `--frames A-B --direction forward`
continues each forward run from its state at A-1, so forward chunks of a shot run in order;
`--direction backward` chunks continue from B+1, so they run in reverse order. A shot whose
keyframes all start runs forward (an unpinned reference, or one pinned to its first frame) has
no backward chain. Shots, and a shot's two chains, are independent: every task depends on at
most the previous task of its own chain, so the graph has no cycles.

The tasks are chunks of a fixed size (OpenCue, Ray). The job also holds each chain as a whole
(FarmChain: the frames its runs span) for an engine whose chunk size is a job parameter: OpenJD
writes each chain's steps once, for the smallest chunk allowed (FarmJob.min_chunk), each step
naming its chunk by its index along the chain (`colorize --chunk-of K:SIZE`).

Before anything is planned the tasks are checked as each would check itself before its first
frame (excolor.hosts.farm.checks), so a job the farm would fail is refused here, with the task's
message and exit code. A reference with no frame (auto) is found before the chains are planned,
since a reference found inside its shot starts a backward chain
(excolor.hosts.farm.found_frames): the one file planning writes is the shot list with those
frames, which every task reads instead of SHOTS.
"""
import dataclasses
import os
import shlex
import sys
from pathlib import Path

from excolor import io
from excolor.engine.runs import BACKWARD, FORWARD, direction_word, plan_runs
from excolor.errors import OutputError, UsageError
from excolor.render.node_shots import node_shot
from excolor.render.output_paths import claim_farm_paths, protected_inputs
from excolor.shotlists.entries import write_entries

from .checks import checked_tasks
from .found_frames import beside_output, find_entry_frames, has_frames_to_find

# Flags the job sets per task: passing them through to every task would break the chain.
RESERVED = ("--frames", "--direction", "--chunk-of", "--shots", "--reference", "--reference-frame", "--preroll",
            "--overwrite", "--preview", "--threads")
# Colorize flags whose value may be a path: made absolute and normal, since render nodes run elsewhere.
PATH_FLAGS = ("--model", "--ocio-config", "--matte")
# A shot's chains of chunks: the direction of their runs, and the --direction word of their tasks.
CHAINS = tuple((direction, direction_word(direction)) for direction in (FORWARD, BACKWARD))


@dataclasses.dataclass(frozen=True)
class FarmTask:
    """One chunk of one chain of one shot.

    name: unique, engine-safe ("shot001-fwd-1001-1050"). depends_on: names of tasks that must
    finish first (at most one: the previous chunk of the chain). argv: the full command.
    """

    name: str
    shot: int  # 1-based position in the shot list
    direction: str  # "forward" | "backward"
    first: int
    last: int
    depends_on: tuple
    argv: tuple

    @property
    def command(self):
        """argv as one POSIX shell line (for engines that take a string)."""
        return shlex.join(self.argv)


@dataclasses.dataclass(frozen=True)
class FarmChain:
    """One chain of one shot as a whole, for an engine whose chunk size is a parameter (OpenJD):
    the frames its runs span, first..last, and its chunk k of `size` frames as a command
    (`--frames first-last --direction D --chunk-of k:size`, excolor.render.frames.chunk_frames).
    name: the chain's, engine-safe ("shot001-fwd"); step_name(k) its chunk k's ("shot001-fwd-3")."""

    shot: int  # 1-based position in the shot list
    direction: str  # "forward" | "backward"
    first: int
    last: int
    argv: tuple  # the chunks' command up to their --frames

    @property
    def name(self):
        return f"shot{self.shot:03d}-{self.direction[0]}wd"  # fwd / bwd

    def step_name(self, k):
        return f"{self.name}-{k}"

    def chunks(self, size):
        """How many chunks of `size` frames the chain has (ceil(length / size))."""
        return -(-(self.last - self.first + 1) // size)

    def chunk_argv(self, k, size):
        """The command of chunk k (1-based); `size` a number or a parameter's token."""
        return (*self.argv, "--frames", f"{self.first}-{self.last}", "--direction", self.direction,
                "--chunk-of", f"{k}:{size}")


@dataclasses.dataclass(frozen=True)
class FarmJob:
    """Everything an engine needs: the tasks in an order that respects every dependency."""

    name: str
    input: str
    output: str
    shots: str
    chunk: int
    tasks: tuple
    threads: int = 1  # cores each task uses (`--threads`), and so what an engine reserves for it
    # Each shot's keyframe images, absolute and normal: ((shot number, (image, ...)), ...) (a bundle's inputs).
    shot_references: tuple = ()
    found: tuple = ()  # one line per reference whose frame was looked for (`shots` holds the answers)
    shot_name: str = ""  # the one shot the job renders (plan_job's `shot`): its name in SHOTS, or shotNNN
    excolor: tuple = ()  # the command (argv prefix) that runs excolor on the render nodes
    every_shot: bool = True  # the job renders every shot of SHOTS (not one shot, not a split part)
    # The chains as a whole (FarmChain), in the tasks' order, and the smallest chunk an engine
    # whose chunk size is a parameter (OpenJD's ChunkSize) must allow: its steps are written for it.
    spans: tuple = ()
    min_chunk: int = 0

    @property
    def references(self):
        """Every keyframe image the job's shots read, sorted, each once."""
        return tuple(sorted({image for _shot, images in self.shot_references for image in images}))

    def task(self, name):
        for task in self.tasks:
            if task.name == name:
                return task
        raise KeyError(name)

    @property
    def cleanup_args(self):
        """The arguments of the job's last command, once every chunk has finished: `clean OUTPUT`
        removes the run states the chunks handed on (~15 MB each at 1080p), keeping the records a
        rerun reads; only its own shots' (`--shots A-B`) where other jobs render the rest of OUTPUT."""
        if self.every_shot:
            return ("clean", self.output)
        numbers = sorted({task.shot for task in self.tasks})
        return ("clean", self.output, "--shots", f"{numbers[0]}-{numbers[-1]}")

    @property
    def cleanup(self):
        """The job's last command line (argv): cleanup_args run by the job's excolor."""
        return (*self.excolor, *self.cleanup_args)

    def chain_ends(self):
        """The names of the last task of every chain: what the cleanup waits for."""
        return tuple(chain[-1].name for chain in self.chains().values())

    def chains(self):
        """{(shot, direction): [task, ...]} in the order each chain must run."""
        chains = {}
        for task in self.tasks:
            chains.setdefault((task.shot, task.direction), []).append(task)
        return chains


def default_excolor():
    """The command that runs excolor on a render node when none is given: this Python's
    `-m excolor` (a Ray worker's, or this machine's; `excolor farm` gives the job engines
    `excolor`, found on the render node's PATH)."""
    return (sys.executable, "-m", "excolor")


def plan_job(input, output, shots, chunk, colorize_args=(), excolor=None, name=None, threads=1,
             found_shots=None, replace=True, job_files=(), shot=None, min_chunk=None):
    """Split every shot of SHOTS into chunks of `chunk` frames -> FarmJob (its tasks), and say
    what each chain spans (its spans: OpenJD writes a chain's steps from those, for chunks of
    `min_chunk` frames or more; default `chunk`; 1..chunk, else UsageError).

    input/output: as for `excolor colorize` (OUTPUT must be an image sequence: chunks on many
    machines write frames, a video is one file). shots: SHOTS.json, .otio or .edl.
    colorize_args: extra `excolor colorize` flags for every task (model, network size, colour
    settings, --edl-rate); the flags the job sets itself are refused. INPUT, OUTPUT, SHOTS and
    path values (--model DIR, --ocio-config FILE, --matte SEQUENCE) are made absolute and
    normal (_normal). Every task is checked here first as it would check itself before its
    first frame (excolor.hosts.farm.checks: the same UsageError, InputError, ModelError...).
    excolor: the command (argv prefix) that runs excolor on the render nodes. threads:
    `--threads` of every task (the cores an engine reserves for it). Without --ocio-config, this
    machine's $OCIO (checked as a task here would read it) becomes the tasks' --ocio-config, so
    that every render node uses the submitter's colour config whatever its own $OCIO.
    found_shots: where the shot list with the frames found goes when SHOTS has references with
    no frame (default: in OUTPUT's folder, found_frames.beside_output); it becomes the job's
    `shots` and every task's --shots. It is never SHOTS itself (UsageError), and an existing
    file is replaced only when `replace` (else OutputError, before anything is scanned).
    job_files: the files the caller writes for the job (`-o`). They, OUTPUT and the --matte
    sequence are checked against the job's inputs before anything is scanned or written, as a
    render job's are (excolor.render.output_paths.claim_farm_paths); an existing job file is
    replaced only when `replace`. shot: only the shot of SHOTS with this number (1-based) or name
    (the job's `shot_name`; UsageError naming the shots when none matches).
    """
    if chunk < 1:
        raise UsageError(f"--chunk {chunk}: must be at least 1 frame")
    min_chunk = chunk if min_chunk is None else min_chunk
    if not 1 <= min_chunk <= chunk:
        raise UsageError(f"--min-chunk {min_chunk}: the smallest chunk size a submitter may set, 1 to --chunk "
                         f"({chunk}) frames")
    if threads < 1:
        raise UsageError(f"--threads {threads}: must be at least 1")
    if io.describe_kind(output) != "sequence":
        raise UsageError(
            f"OUTPUT {output}: a farm job writes an image sequence (e.g. out/shot.####.exr); "
            "encode a video from it afterwards, or render a video with 'excolor colorize'"
        )
    for arg in colorize_args:
        flag = str(arg).split("=", 1)[0]
        if flag in RESERVED:
            raise UsageError(f"{flag}: set by the farm job for each task; not allowed among the colorize flags")
    input, output, shots = _normal(input), _normal(output), _normal(shots)
    prefix = tuple(excolor or default_excolor())
    flags = _absolute_paths([str(arg) for arg in colorize_args])
    job_name = name or f"excolor-{Path(shots).stem}"  # the user's shot list names the job
    with checked_tasks((input, output, "--shots", shots, *flags, "--threads", str(threads))) as (checked, node):
        ocio = os.environ.get("OCIO")
        if ocio and not any(flag.split("=", 1)[0] == "--ocio-config" for flag in flags):
            flags += ["--ocio-config", _normal(ocio) if _is_path(ocio) else ocio]
        claim_farm_paths(protected_inputs(input, checked.references, shots, _flag_value(flags, "--ocio-config")),
                         output=output, matte=checked.matte, frames=checked.covered, job_files=job_files,
                         overwrite=replace)
        entries, found = checked.entries, ()
        if has_frames_to_find(entries):
            target = Path(_normal(found_shots) if found_shots is not None else beside_output(output))
            if target.resolve() == Path(shots).resolve():
                raise UsageError(f"{target}: is SHOTS itself; the shot list with the frames found is written "
                                 "beside the job, so give the job another name")
            if target.exists() and not replace:
                raise OutputError(f"{target}: exists; pass --overwrite to replace it with the shot list with the "
                                  "frames found, or give another -o")
            entries, found = find_entry_frames(checked, node)
            write_entries(target, entries)
            shots = str(target)
    shot_name = ""
    if shot is not None:
        entries = [_one_shot(entries, str(shot))]
        shot_name = entries[0].name or f"shot{entries[0].number:03d}"
    common = (input, output, "--shots", shots, *flags, "--threads", str(threads))
    tasks, chains = [], []
    for entry in sorted(entries, key=lambda e: e.first):
        runs = plan_runs(node_shot(entry))
        bounds = [(a, min(a + chunk - 1, entry.last)) for a in range(entry.first, entry.last + 1, chunk)]
        for direction, word in CHAINS:
            spans = [(min(r.start, r.end), max(r.start, r.end)) for r in runs if r.direction == direction]
            if spans:  # the chain's runs, first..last: a backward chain's chunks count from its last
                chains.append(FarmChain(entry.number, word, min(lo for lo, _ in spans), max(hi for _, hi in spans),
                                        (*prefix, "colorize", *common)))
            chunks = [(a, b) for a, b in bounds if any(a <= hi and lo <= b for lo, hi in spans)]
            if direction == BACKWARD:  # its chunks continue from the state after them
                chunks.reverse()
            previous = None
            for a, b in chunks:
                task_name = f"shot{entry.number:03d}-{word[0]}wd-{a}-{b}"  # fwd / bwd
                argv = (*prefix, "colorize", *common, "--frames", f"{a}-{b}", "--direction", word)
                tasks.append(FarmTask(task_name, entry.number, word, a, b,
                                      (previous,) if previous else (), argv))
                previous = task_name
    shot_references = tuple((entry.number, tuple(sorted({_normal(image) for image, _frame in entry.keyframes
                                                         if image is not None})))
                            for entry in sorted(entries, key=lambda e: e.number))
    return FarmJob(job_name, input, output, shots, chunk, tuple(tasks), threads, shot_references, found, shot_name,
                   excolor=prefix, every_shot=shot is None, spans=tuple(chains), min_chunk=min_chunk)


def _one_shot(entries, shot):
    """The entry whose number or name is `shot`."""
    for entry in entries:
        if shot in (str(entry.number), entry.name):
            return entry
    known = ", ".join(entry.describe() for entry in entries[:10]) + (", ..." if len(entries) > 10 else "")
    raise UsageError(f"--shot {shot}: no shot of SHOTS has this number or name; its shots: {known}")


def _absolute_paths(flags):
    """`flags` with the values of PATH_FLAGS made absolute and normal (_normal) where they name a
    path: an existing file or folder, text with a path separator, or an .ocio file (a model name
    or a built-in OCIO config such as ocio://cg-config-latest stays as it is)."""
    result = []
    pending = None
    for arg in flags:
        if pending is not None:
            result.append(_normal(arg) if _is_path(arg) else arg)
            pending = None
            continue
        flag, equals, value = arg.partition("=")
        if flag in PATH_FLAGS and equals:
            arg = f"{flag}={_normal(value)}" if _is_path(value) else arg
        elif flag in PATH_FLAGS:
            pending = flag
        result.append(arg)
    return result


def _is_path(value):
    # A frame field (`--matte m.####.exr`, `m.%04d.exr`) marks a sequence path even in no folder.
    return "://" not in value and (Path(value).exists() or os.sep in value or "/" in value
                                   or value.lower().endswith(".ocio") or "#" in value or "%" in value)


def _normal(path):
    """A path or sequence pattern as the render nodes get it: absolute (they have other working
    folders) and without `.` or `..` (a farm's path mapping replaces a prefix, which
    `/show/a/../plates` does not start with), its folders named as given, not as their real
    paths (a mount's name is what the mapping rules know) - except where a `..` follows a
    symbolic link, whose lexical removal would name another file: there the real path."""
    joined = Path.cwd() / path  # an absolute `path` stays itself
    lexical = Path(os.path.normpath(joined))
    return str(lexical if lexical.resolve() == joined.resolve() else joined.resolve())


def _flag_value(args, flag):
    """The value of `flag` among argv-style `args` (`--flag V` or `--flag=V`), or None."""
    for index, arg in enumerate(args):
        if arg == flag and index + 1 < len(args):
            return args[index + 1]
        if arg.startswith(flag + "="):
            return arg.split("=", 1)[1]
    return None
