"""One chunk of a farm job as a Ray task, and what its exit code means for a retry.

    run_chunk(name, argv, attempt, log, lines) -> ChunkResult   the Ray task body
    log_file(job, task_name, attempt) -> Path                    where an attempt's log goes
    failure(code) -> (why, retryable)                            an excolor exit code read

The chunk's `excolor colorize` runs in a child process whose output (stderr and stdout, one
stream) goes line by line both to the attempt's log file and to `lines` (a ray.util.queue.Queue
the driver reads while the chunk runs), so progress and messages reach the driver as they
happen, not when the chunk ends. The log is in OUTPUT's folder, which every node writing the
job's frames reaches: `out/c.####.png` -> `out/c.logs/shot001-fwd-1001-1050.attempt-1.log`.

excolor's exit codes say what failed (docs/cli.md, excolor.errors): 2 to 6 are the command
line, an input, the model or device, the output, the saved state, which a rerun finds the same
(deterministic: not retried), and 1 is a bug, which a rerun repeats. A process ended by a signal
(killed, out of memory: a negative code, or 128+N as a shell reports it; 130 is colorize's own
exit after saving its state on SIGTERM or SIGINT, a pre-empted node) did not fail on its
inputs: a rerun resumes from the state it saved, so it is retried.
"""
import collections
import dataclasses
import os
import signal
import subprocess
from pathlib import Path

from excolor import io
from excolor.errors import ExcolorError

SIGNAL_EXIT_BASE = 128  # a shell's code for a process ended by signal N is 128 + N
TAIL_LINES = 5


@dataclasses.dataclass(frozen=True)
class ChunkResult:
    """One attempt of one chunk: its exit code, log file, last lines, and the CPUs Ray reserved
    for it (the job's threads)."""

    name: str
    attempt: int
    code: int
    log: str
    tail: str
    cpus: float


def log_file(job, task_name, attempt):
    """The log of one attempt of a chunk, in a `NAME.logs` folder beside OUTPUT's frames."""
    pattern = io.SequencePattern.parse(job.output)
    folder = pattern.directory / ((pattern.prefix.rstrip("._-") or "excolor") + ".logs")
    return folder / f"{task_name}.attempt-{attempt}.log"


def run_chunk(name, argv, attempt, log, lines):
    """The Ray task body: run `argv` (a chunk's command) to its end, each output line written to
    `log` and put on `lines` as (name, attempt, line). Never raises for the command's failure:
    its exit code is the result's, for the driver to read."""
    import ray  # the ray extra; this body only runs inside a Ray worker

    Path(log).parent.mkdir(parents=True, exist_ok=True)
    tail = collections.deque(maxlen=TAIL_LINES)
    with open(log, "w", encoding="utf-8") as file, subprocess.Popen(
            list(argv), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, errors="replace",
            env=dict(os.environ)) as process:
        for line in process.stdout:
            file.write(line)
            file.flush()
            line = line.rstrip("\n")
            tail.append(line)
            lines.put((name, attempt, line))
        code = process.wait()
    cpus = ray.get_runtime_context().get_assigned_resources().get("CPU", 0.0)
    return ChunkResult(name, attempt, code, str(log), "\n".join(tail), cpus)


def failure(code):
    """(what exit `code` of `excolor colorize` means, whether a rerun can end otherwise)."""
    if code < 0 or code > SIGNAL_EXIT_BASE:
        number = -code if code < 0 else code - SIGNAL_EXIT_BASE
        try:
            name = signal.Signals(number).name
        except ValueError:
            name = f"signal {number}"
        return (f"ended by {name}" if code < 0 else f"exited {code}, ended by {name}"), True
    return f"excolor exited {code} ({_meanings().get(code, 'not an excolor exit code')})", False


def _meanings():
    """{exit code: its meaning's first words} of excolor.errors' classes ('input error')."""
    meanings = {}
    pending = [ExcolorError]
    while pending:
        cls = pending.pop(0)
        if "exit_meaning" in vars(cls):
            words = cls.exit_meaning.split(":")[0].split(" (")[0]
            meanings[cls.exit_code] = f"{meanings[cls.exit_code]} {words}" if cls.exit_code in meanings else words
        pending.extend(cls.__subclasses__())
    return meanings
