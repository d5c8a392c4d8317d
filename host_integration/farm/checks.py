"""A farm job's tasks checked where the job is made, before anything is written: what every
`excolor colorize` task would check before its first frame, with its messages and exit codes,
so that a job the farm would fail is never submitted.

The tasks' common command line (INPUT, OUTPUT, --shots SHOTS and the flags every task gets) is
read by `excolor colorize`'s own parser into the render job's JobOptions and checked by the
render job's own checks: the options (excolor.render.options), the shots against INPUT and its
frames on disk (excolor.render.frames), --matte (excolor.render.matte), every reference image
read (excolor.render.reference_files), all through excolor.render.job.checked_job; then the
job's node is made as a task makes it: the model found (a name must be known here too) and
--network-size within its range, the OCIO config ($OCIO when no --ocio-config, as a task here
would read it) and INPUT's colourspace. What only a render node can say is left to it: whether
it has the --device asked for, and its own OUTPUT state (a task resumes what an earlier run of
it wrote). Each task's --frames and --direction are the job's own, right by construction.
"""
import argparse
import contextlib
import dataclasses
import warnings

from excolor import io
from excolor.cli.colorize import add_parser
from excolor.errors import UsageError
from excolor.render.job import checked_job
from excolor.render.options import JobOptions, check_options

CHECK_DEVICE = "cpu"  # the node made here, whatever --device the tasks get


class _Refusing(argparse.ArgumentParser):
    """An argument parser that raises UsageError with argparse's message instead of printing
    usage and exiting: a refused flag is the job's error, not this process's end."""

    def error(self, message):
        raise UsageError(message)


def task_options(argv):
    """The JobOptions of `excolor colorize ARGV`, or UsageError as the command refuses ARGV."""
    parser = add_parser(_Refusing(prog="excolor").add_subparsers())
    return JobOptions.from_namespace(parser.parse_args([str(arg) for arg in argv]))


@contextlib.contextmanager
def checked_tasks(argv):
    """Yield (job, node) once `excolor colorize ARGV` (the tasks' common arguments) passed every
    check a task makes before its first frame (module docstring): job, the render job
    (excolor.render.job.ColorizeJob: its entries, references and covered frames; INPUT open
    until the block ends); node, its ColorizeNode, on this machine's CPU. Raises what the task
    would raise (UsageError, InputError, ModelError...), with its message."""
    options = task_options(argv)
    output_kind = io.describe_kind(options.output)
    check_options(options, output_kind)
    reader = io.open_input(options.input)
    try:
        job = checked_job(options, reader, output_kind, None)
        yield job, _node(job)
    finally:
        reader.close()


def _node(job):
    """The job's node as a task makes it (ColorizeJob.make_node), on CHECK_DEVICE: --device is
    the render nodes' (this machine may have no GPU), and what a node says of the device it runs
    on (an fp16 model is slow on a CPU) is not the tasks' to hear."""
    on_cpu = dataclasses.replace(job, options=dataclasses.replace(job.options, device=CHECK_DEVICE))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return on_cpu.make_node(job.reader.read)
