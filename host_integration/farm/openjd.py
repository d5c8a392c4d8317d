"""Open Job Description (the job format of AWS Deadline Cloud): a FarmJob as a job template.

    job_template(job, folder) -> dict   the template (specification jobtemplate-2023-09)
    write_template(job, path)           as YAML (or JSON for a .json path) and its parameter
                                        values beside it (job.params.json), written atomically
    write_bundle(job, folder)           a Deadline Cloud job bundle: template.yaml,
                                        parameter_values.yaml and asset_references.yaml
    check_template(path)                validated by openjd-model (what `openjd check` runs)

One step per chunk, each with a single task; a step depends on the previous chunk of its chain
(OpenJD orders steps, not the tasks inside a step, so a chain of chunks is a chain of steps).
Each step asks for the job's threads as vCPUs (`amount.worker.vcpu`), which its
`excolor colorize --threads` uses. The folders of INPUT and OUTPUT and the SHOTS file are PATH
job parameters with their data flow (INPUT's folder and SHOTS read, OUTPUT's folder read and
written: its `.excolor/` holds the states a rerun or the next chunk continues from), so a farm's
path mapping and Deadline Cloud's job attachments apply to them; the file names are in the
commands. Their values are written beside the template (OpenJD allows defaults only for paths
inside the template's folder). Run it on this machine with
`openjd run job.yaml -p file://job.params.json` (every step in dependency order).

PyYAML and openjd-model (both from openjd-cli, the `openjd` extra) are imported inside the
functions that use them, so `job_template` and the other engines work without them.
"""
import json
import os
from pathlib import Path

from excolor.files import write_atomically

SPECIFICATION = "jobtemplate-2023-09"
# (parameter, objectType, dataFlow, description)
PARAMETERS = (
    ("InputFolder", "DIRECTORY", "IN", "the folder of INPUT (a video or name.####.ext)"),
    ("OutputFolder", "DIRECTORY", "INOUT",
     "the folder of OUTPUT (name.####.ext); its .excolor/ keeps the states each chunk continues from"),
    ("Shots", "FILE", "IN", "SHOTS: the shot list (.json, .otio or .edl); references are relative to it"),
)
BUNDLE_FILES = ("template.yaml", "parameter_values.yaml", "asset_references.yaml")


def parameter_values(job):
    """{name: value} of the job parameters (for `openjd run -p file://...` or a submission)."""
    return {"InputFolder": str(Path(job.input).parent), "OutputFolder": str(Path(job.output).parent),
            "Shots": job.shots}


def job_template(job, folder):
    """The OpenJD job template of `job` (a FarmJob) as a plain dict.

    folder: where the template file will be; OpenJD joins a PATH parameter's default to the
    template's folder (an absolute default is refused), so defaults are written relative to it.
    """
    # Paths in a task's command -> the parameter (and file name) they are made of.
    names = {job.input: f"{{{{Param.InputFolder}}}}/{Path(job.input).name}",
             job.output: f"{{{{Param.OutputFolder}}}}/{Path(job.output).name}",
             job.shots: "{{Param.Shots}}"}
    steps = []
    for task in job.tasks:
        argv = [names.get(arg, arg) for arg in task.argv]
        step = {
            "name": task.name,
            "hostRequirements": {"amounts": [{"name": "amount.worker.vcpu", "min": job.threads}]},
            "script": {
                "actions": {
                    "onRun": {
                        "command": argv[0],
                        "args": argv[1:],
                        # SIGTERM first: colorize saves each run's state and exits 130, so the
                        # rerun of a cancelled task resumes.
                        "cancelation": {"mode": "NOTIFY_THEN_TERMINATE", "notifyPeriodInSeconds": 30},
                    }
                }
            },
        }
        if task.depends_on:
            step["dependencies"] = [{"dependsOn": name} for name in task.depends_on]
        steps.append(step)
    values = parameter_values(job)
    return {
        "specificationVersion": SPECIFICATION,
        "name": job.name,
        "description": f"excolor colorize, chunks of {job.chunk} frames on {job.threads} thread(s); forward "
                       "chunks of a shot in order, backward chunks in reverse order, shots in parallel",
        "parameterDefinitions": [_parameter(name, kind, flow, text, values[name], folder)
                                 for name, kind, flow, text in PARAMETERS],
        "steps": steps,
    }


def _parameter(name, kind, flow, text, value, folder):
    definition = {"name": name, "type": "PATH", "objectType": kind, "dataFlow": flow, "description": text}
    relative = os.path.relpath(value, folder)
    if not relative.startswith(".."):
        definition["default"] = relative  # only paths inside the template's folder may be defaults
    return definition


def write_template(job, path):
    """Write the template to `path` (.yaml/.yml as YAML, .json as JSON), and the job's
    parameter values beside it as `<path stem>.params.json`; returns (template, values) paths.
    Run it here with `openjd run TEMPLATE -p file://VALUES`."""
    path = Path(path)
    values = template_files(path)[1]
    template = job_template(job, path.resolve().parent)
    write_atomically(path, _dump(template, json_format=path.suffix.lower() == ".json"))
    write_atomically(values, json.dumps(parameter_values(job), indent=2) + "\n")
    return path, values


def template_files(path):
    """The files write_template(job, path) writes: (template, values)."""
    path = Path(path)
    return path, path.with_name(path.stem + ".params.json")


def write_bundle(job, folder):
    """Write a Deadline Cloud job bundle into `folder` (created if needed): template.yaml,
    parameter_values.yaml (the job parameters' values) and asset_references.yaml (what the
    tasks read besides the parameters: the shots' reference images, a model folder and an OCIO
    config given as paths). Returns the template's path."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    template, values, assets = (folder / name for name in BUNDLE_FILES)
    write_atomically(template, _dump(job_template(job, folder.resolve())))
    write_atomically(values, _dump({"parameterValues": [{"name": name, "value": value}
                                                        for name, value in parameter_values(job).items()]}))
    write_atomically(assets, _dump({"assetReferences": _asset_references(job)}))
    return template


def _asset_references(job):
    files = list(job.references)  # the shot list as plan_job read it (EDL rate and timecode)
    folders = []
    argv = job.tasks[0].argv if job.tasks else ()
    for flag, value in zip(argv, argv[1:]):
        if flag in ("--model", "--ocio-config") and Path(value).is_absolute():
            (folders if Path(value).is_dir() else files).append(value)
    return {"inputs": {"filenames": files, "directories": folders},
            "outputs": {"directories": [str(Path(job.output).parent)]}}


def _dump(data, json_format=False):
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
    return decode_job_template(template=data)
