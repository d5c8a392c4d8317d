"""A FarmJob split by shots into several jobs: a long cut's one job (a template of thousands of
steps, megabytes) as jobs of N shots each, which a farm takes more readily.

    split_by_shots(job, shots_per_job) -> [FarmJob]

The split keeps every dependency: a task depends only on the previous chunk of its own chain,
inside its own shot, so the parts are independent jobs.
"""
import dataclasses

from excolor.errors import UsageError


def split_by_shots(job, shots_per_job):
    """The jobs of `shots_per_job` consecutive shots of `job` each (by shot number), named
    `<job name>-shots-<first>-<last>` (shot numbers, 1-based, as in SHOTS)."""
    if shots_per_job < 1:
        raise UsageError(f"--split-shots {shots_per_job}: must be at least 1 shot per job")
    numbers = sorted({task.shot for task in job.tasks})
    parts = []
    for start in range(0, len(numbers), shots_per_job):
        group = numbers[start:start + shots_per_job]
        tasks = tuple(task for task in job.tasks if task.shot in group)
        spans = tuple(chain for chain in job.spans if chain.shot in group)
        references = tuple((shot, images) for shot, images in job.shot_references if shot in group)
        parts.append(dataclasses.replace(job, name=f"{job.name}-shots-{group[0]:03d}-{group[-1]:03d}", tasks=tasks,
                                         spans=spans, shot_references=references, every_shot=False))
    return parts
