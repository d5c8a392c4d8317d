"""Open Job Description (the job format of AWS Deadline Cloud): a FarmJob as a job template.

    job_template(job, folder) -> dict   the template (specification jobtemplate-2023-09)
    write_template(job, path)           as YAML (or JSON for a .json path) and its parameter
                                        values beside it (job.params.json), written atomically
    check_template(path)                validated by openjd-model (what `openjd check` runs)

A Deadline Cloud job bundle of the same template: excolor.hosts.farm.deadline.

One step per chunk, each with a single task; a step depends on the previous chunk of its chain
(OpenJD orders steps, not the tasks inside a step, so a chain of chunks is a chain of steps).
The chunk size is the job parameter ChunkSize, at least the job's min_chunk: each chain
(FarmJob.spans) gets the steps its chunks need at that smallest size, step k running
`colorize --frames FIRST-LAST --direction D --chunk-of k:{{Param.ChunkSize}}` over the chain's
whole span, so a larger ChunkSize leaves the chain's last steps nothing to render (they finish
at once). A last step, `cleanup`, runs `excolor clean OUTPUT` once every chain has finished.
Each step asks for the job parameter Threads as vCPUs (`amount.worker.vcpu`), which its
`excolor colorize --threads` uses: a parameter there needs the OpenJD extension FEATURE_BUNDLE_1
(EXTENSIONS), so an edited Threads changes the request with the threads. Every path a task reads or writes is a PATH job parameter with
its data flow, and the command, model, threads and chunk size are editable parameters
(excolor.hosts.farm.openjd_parameters), so a farm's path mapping and Deadline Cloud's job
attachments apply and a submitter can change them. The PATH values are written beside the
template (OpenJD allows defaults only for paths inside the template's folder). Run it on this
machine with `openjd run job.yaml -p file://job.params.json` (every step in dependency order).

PyYAML and openjd-model (both from openjd-cli, the `openjd` extra) are imported inside the
functions that use them, so `job_template` and the other engines work without them.
"""
import json
from pathlib import Path

from excolor.files import write_atomically

from .openjd_parameters import CHUNK_SIZE, job_parameters, parameter_values, task_command, with_default

SPECIFICATION = "jobtemplate-2023-09"
# FEATURE_BUNDLE_1 lets a host requirement's amount be a job parameter (the steps' vCPUs follow
# Threads); without it OpenJD 2023-09 takes only a number there.
EXTENSIONS = ("FEATURE_BUNDLE_1",)


def job_template(job, folder, extra_parameters=()):
    """The OpenJD job template of `job` (a FarmJob) as a plain dict.

    folder: where the template file will be; OpenJD joins a PATH parameter's default to the
    template's folder (an absolute default is refused), so defaults are written relative to it.
    extra_parameters: definitions added after the job's own (a bundle's queue-environment ones).
    """
    parameters = job_parameters(job)
    steps = []
    for chain, k in chain_steps(job):
        command, args = task_command(chain.chunk_argv(k, CHUNK_SIZE), parameters)
        step = {
            "name": chain.step_name(k),
            "hostRequirements": {"amounts": [{"name": "amount.worker.vcpu", "min": "{{Param.Threads}}"}]},
            "script": {
                "actions": {
                    "onRun": {
                        "command": command,
                        "args": args,
                        # SIGTERM first: colorize saves each run's state and exits 130, so the
                        # rerun of a cancelled task resumes.
                        "cancelation": {"mode": "NOTIFY_THEN_TERMINATE", "notifyPeriodInSeconds": 30},
                    }
                }
            },
        }
        if k > 1:
            step["dependencies"] = [{"dependsOn": chain.step_name(k - 1)}]
        steps.append(step)
    steps.append(cleanup_step(job, parameters))
    return {
        "specificationVersion": SPECIFICATION,
        "extensions": list(EXTENSIONS),
        "name": job.name,
        "description": f"excolor colorize, chunks of ChunkSize frames (written {job.chunk}, at least "
                       f"{job.min_chunk}); forward chunks of a shot in order, backward chunks in reverse order, "
                       "shots in parallel; steps past a chain's end finish at once",
        "parameterDefinitions": [with_default(p, folder) for p in parameters] + list(extra_parameters),
        "steps": steps,
    }


def chain_steps(job):
    """[(FarmChain, k)] of every step of `job`'s chains in dependency order: chunks 1.. of each
    chain, as many as its chunks of job.min_chunk frames."""
    return [(chain, k) for chain in job.spans for k in range(1, chain.chunks(job.min_chunk) + 1)]


def chain_ends(job):
    """The names of the last step of every chain: what the cleanup waits for."""
    return tuple(chain.step_name(chain.chunks(job.min_chunk)) for chain in job.spans)


def cleanup_step(job, parameters):
    """The step that frees the run states the chunks handed on (FarmJob.cleanup), after the
    last step of every chain; one core is enough for it."""
    output = next(p for p in parameters if p.position == 2)
    return {
        "name": "cleanup",
        "dependencies": [{"dependsOn": name} for name in chain_ends(job)],
        "script": {"actions": {"onRun": {"command": "{{Param.ExcolorCommand}}",
                                         "args": ["clean", output.token, *job.cleanup_args[2:]]}}},
    }


def write_template(job, path):
    """Write the template to `path` (.yaml/.yml as YAML, .json as JSON), and the job's
    parameter values beside it as `<path stem>.params.json`; returns (template, values) paths.
    Run it here with `openjd run TEMPLATE -p file://VALUES`."""
    path = Path(path)
    values = template_files(path)[1]
    template = job_template(job, path.resolve().parent)
    write_atomically(path, dump(template, json_format=path.suffix.lower() == ".json"))
    write_atomically(values, json.dumps(parameter_values(job), indent=2) + "\n")
    return path, values


def template_files(path):
    """The files write_template(job, path) writes: (template, values)."""
    path = Path(path)
    return path, path.with_name(path.stem + ".params.json")


def dump(data, json_format=False):
    """`data` as YAML text (JSON with json_format)."""
    import yaml  # openjd extra; only writing a file needs it

    if json_format:
        return json.dumps(data, indent=2) + "\n"
    return yaml.safe_dump(data, sort_keys=False, width=1000)


def check_template(path):
    """Validate a template file with openjd-model (raises its DecodeValidationError if invalid)."""
    import yaml
    from openjd.model import decode_job_template

    text = Path(path).read_text()
    data = json.loads(text) if Path(path).suffix.lower() == ".json" else yaml.safe_load(text)
    return decode_job_template(template=data, supported_extensions=list(EXTENSIONS))
