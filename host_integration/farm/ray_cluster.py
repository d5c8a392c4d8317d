"""Ray, for a cluster with no farm manager: a FarmJob's chunks as Ray tasks.

    submit(job, retries=3) -> {task name: ObjectRef}   on the Ray instance already initialised
    run(job, address=None, retries=3) -> [TaskResult]   connect (or start a local one), wait

Each chunk is a Ray task that runs `excolor colorize ... --frames A-B --direction D` in a child
process; it takes the previous chunk of its chain's result as an argument, so Ray starts it
only after that one finished (shots and chains run in parallel, as many at once as the cluster
has CPUs). A chunk whose process dies (killed, out of memory, a lost node) raises, and Ray runs
the task again up to `retries` times: excolor's frames are atomic and its states saved, so the
rerun skips finished frames and resumes from the latest state. Exit code 6 (the chunk waits
for another) is not retried: it means the chain was broken, which retrying cannot fix.

`ray` (the `ray` extra) is imported inside `submit` and `run`, so the other engines work
without it.
"""
import dataclasses
import os
import subprocess
from pathlib import Path

WAITING = 6  # excolor's exit code for a chunk whose previous chunk has not run


@dataclasses.dataclass(frozen=True)
class TaskResult:
    """What one chunk task reported: its name, attempts made, the last lines of stderr, and
    the CPUs Ray reserved for it (the job's threads)."""

    name: str
    attempt: int
    stderr_tail: str
    cpus: float


class ChunkFailed(RuntimeError):
    """A chunk's excolor process failed (Ray retries it unless it is a waiting chunk)."""


class ChainBroken(RuntimeError):
    """A chunk exited 6: the state it continues from is missing (never retried)."""


def _run_chunk(name, argv, attempts_dir, *after):
    """The Ray task body: one chunk in a child process. `after`: results it waited for."""
    import ray  # the ray extra; this body only runs inside a Ray worker

    attempt = 1
    if attempts_dir:
        # Counted on disk (shared with the driver on one machine) so a report can show retries.
        marker = Path(attempts_dir) / name
        attempt = len(marker.read_text()) + 1 if marker.exists() else 1
        marker.write_text("x" * attempt)
    process = subprocess.run(list(argv), capture_output=True, text=True, env=dict(os.environ))
    tail = "\n".join(process.stderr.strip().splitlines()[-5:])
    if process.returncode == WAITING:
        raise ChainBroken(f"{name}: waits for another chunk (exit 6): {tail}")
    if process.returncode != 0:
        raise ChunkFailed(f"{name}: excolor exited {process.returncode} (attempt {attempt}): {tail}")
    return TaskResult(name, attempt, tail, ray.get_runtime_context().get_assigned_resources().get("CPU", 0.0))


def submit(job, retries=3, attempts_dir=None, num_cpus=None):
    """Submit every task of `job` to the connected Ray instance -> {name: ObjectRef}.

    retries: reruns of a chunk that failed or whose worker died. num_cpus: CPUs each chunk
    reserves (default: the job's threads, which its `excolor colorize --threads` uses).
    attempts_dir: optional folder where each task counts its attempts (for reports and tests).
    """
    import ray

    if num_cpus is None:
        num_cpus = job.threads

    remote = ray.remote(max_retries=retries, retry_exceptions=[ChunkFailed], num_cpus=num_cpus)(_run_chunk)
    refs = {}
    for task in job.tasks:  # plan order: every dependency comes before its dependants
        after = [refs[name] for name in task.depends_on]
        refs[task.name] = remote.options(name=task.name).remote(
            task.name, task.argv, str(attempts_dir) if attempts_dir else None, *after)
    return refs


def run(job, address=None, retries=3, attempts_dir=None, num_cpus=None):
    """Run `job` to completion on Ray; returns [TaskResult] in plan order.

    address: a running cluster ("auto", "ray://head:10001"), or None for the instance this
    process already initialised, else a new local one. Raises the first chunk's error that
    survives its retries.
    """
    import ray

    if not ray.is_initialized():
        ray.init(address=address)
    refs = submit(job, retries=retries, attempts_dir=attempts_dir, num_cpus=num_cpus)
    return ray.get([refs[task.name] for task in job.tasks])
