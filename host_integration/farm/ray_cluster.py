"""Ray, for a cluster with no farm manager: a FarmJob's chunks as Ray tasks.

    run(job, address=None, retries=3, report=None) -> [ChunkResult]   connect (or start a local
                                                    instance), run every chunk, report as it goes

The driver (this process) starts each chunk as a Ray task (excolor.hosts.farm.ray_chunk: one
`excolor colorize ... --frames A-B --direction D` child process) once the previous chunk of its
chain has finished, so shots and chains run in parallel, as many at once as the cluster has
CPUs. While they run, every line a chunk prints reaches `report` as
`shot001-fwd-1001-1050 [attempt 1]: colorizing: 40% (20/50 frames)`, and each chunk's end as a
line of its own (`done`, or how it failed and whether it is retried).

Retries are the driver's, counted per chunk: a chunk whose process was ended by a signal, or
whose Ray worker or node died, runs again (up to `retries` times), and the rerun resumes from
the state it saved; a chunk that exits with one of excolor's codes (2-6: a usage, input, model,
output or state error; 1: a bug) is not rerun, since a rerun ends the same. The chunks after a
failed one are not started; the other chains run to their end. Then ChunkFailed names the
failed chunk, its exit and its log in one line. When every chunk is done, one more task runs
the job's cleanup (`excolor clean OUTPUT`); its failure is said, not raised: the frames are
all there.

`ray` (the `ray` extra) is imported inside `run`, so the other engines work without it.
"""
from excolor.errors import ExcolorError

from .ray_chunk import failure, log_file, run_chunk

POLL_SECONDS = 0.2  # how often the driver passes on the lines the chunks put


class ChunkFailed(ExcolorError):
    """A chunk that failed for good; its exit code is the chunk's own excolor code (1 for a
    chunk ended by a signal or a lost worker after its retries)."""

    def __init__(self, message, code):
        super().__init__(message)
        self.exit_code = code if 2 <= code <= 6 else 1


def run(job, address=None, retries=3, num_cpus=None, report=None):
    """Run `job` to completion on Ray; returns the chunks' [ChunkResult] in plan order.

    address: a running cluster ("auto", "ray://head:10001"), or None for the instance this
    process already initialised, else a new local one. num_cpus: CPUs each chunk reserves
    (default: the job's threads, which its `--threads` uses). report: called with each line
    (str) as it happens. Raises ChunkFailed when a chunk failed for good.
    """
    import ray
    from ray.util.queue import Queue

    if not ray.is_initialized():
        ray.init(address=address)
    remote = ray.remote(max_retries=0, num_cpus=job.threads if num_cpus is None else num_cpus)(run_chunk)
    lines = Queue(actor_options={"num_cpus": 0})
    say = report or (lambda line: None)
    dependants = {}
    for task in job.tasks:
        for name in task.depends_on:
            dependants.setdefault(name, []).append(task)
    running, results, failures = {}, {}, []

    def start(task, attempt):
        log = log_file(job, task.name, attempt)
        ref = remote.options(name=f"{task.name} attempt {attempt}").remote(task.name, task.argv, attempt,
                                                                          str(log), lines)
        running[ref] = (task, attempt, log)

    def pass_on_lines():
        for name, attempt, line in lines.get_nowait_batch(lines.qsize()):
            say(f"{name} [attempt {attempt}]: {line}")

    for task in job.tasks:
        if not task.depends_on:
            start(task, 1)
    try:
        while running:
            ready, _ = ray.wait(list(running), num_returns=1, timeout=POLL_SECONDS)
            pass_on_lines()
            for ref in ready:
                task, attempt, log = running.pop(ref)
                try:
                    result = ray.get(ref)
                    code = result.code
                    why, retry = failure(code) if code else ("", False)
                except ray.exceptions.RayTaskError as error:  # the task body itself failed
                    code, why, retry = 1, f"the Ray task failed: {str(error).splitlines()[-1]}", False
                except ray.exceptions.RayError as error:  # a worker or node lost: the chunk did not fail
                    code, why, retry = 1, f"its Ray worker was lost ({type(error).__name__})", True
                if code == 0:
                    results[task.name] = result
                    say(f"{task.name} [attempt {attempt}]: done ({len(results)}/{len(job.tasks)} chunks)")
                    for after in dependants.get(task.name, ()):
                        start(after, 1)
                elif retry and attempt <= retries:
                    say(f"{task.name} [attempt {attempt}]: {why}; running it again (attempt {attempt + 1} of "
                        f"{retries + 1}), resuming from its saved state")
                    start(task, attempt + 1)
                else:
                    because = "no retries left" if retry else "not retried, as a rerun ends the same"
                    failures.append((task, attempt, code, f"{why}, {because}", log))
                    say(f"{task.name} [attempt {attempt}]: failed: {why}, {because}; log: {log}")
        if not failures:
            log = log_file(job, "cleanup", 1)
            cleaned = ray.get(remote.options(name="cleanup", num_cpus=1).remote("cleanup", job.cleanup, 1,
                                                                                str(log), lines))
            if cleaned.code:
                say(f"cleanup: excolor clean exited {cleaned.code}; the run states are left; log: {log}")
        pass_on_lines()
    finally:
        lines.shutdown()
    if failures:
        raise _failed(job, failures, len(results))
    return [results[task.name] for task in job.tasks]


def _failed(job, failures, done):
    """ChunkFailed naming the first failed chunk (plan order) and its log, in one line."""
    order = {task.name: index for index, task in enumerate(job.tasks)}
    task, attempt, code, why, log = min(failures, key=lambda failed: order[failed[0].name])
    others = f", {len(failures) - 1} other chunk(s) failed (above)" if len(failures) > 1 else ""
    not_run = len(job.tasks) - done - len(failures)
    return ChunkFailed(f"chunk {task.name} (frames {task.first}-{task.last}, {task.direction}) failed on attempt "
                       f"{attempt}: {why}; {done} of {len(job.tasks)} chunks done, {not_run} waiting on a failed one"
                       f"{others}; its log: {log}", code)
