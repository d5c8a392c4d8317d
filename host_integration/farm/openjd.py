"""Open Job Description (the job format of AWS Deadline Cloud): a FarmJob as a job template.

    job_template(job) -> dict        the template (specification jobtemplate-2023-09)
    write_template(job, path)        as YAML (or JSON for a .json path), written atomically
    check_template(path)             validated by openjd-model (what `openjd check` runs)

One step per chunk, each with a single task; a step depends on the previous chunk of its chain
(OpenJD orders steps, not the tasks inside a step, so a chain of chunks is a chain of steps).
INPUT, OUTPUT and SHOTS are PATH job parameters (so a farm's path mapping applies to them);
their values are written beside the template (job.params.json; OpenJD allows defaults only
for paths inside the template's folder). Run it on this machine with
`openjd run job.yaml -p file://job.params.json` (every step in dependency order), or submit it
to Deadline Cloud with those values.

PyYAML and openjd-model (both from openjd-cli, the `farm` extra) are imported inside the
functions that use them, so `job_template` and the other engines work without them.
"""
import json
import os
from pathlib import Path

SPECIFICATION = "jobtemplate-2023-09"
PARAMETERS = (("Input", "input", "INPUT: the plates (video or name.####.ext)"),
              ("Output", "output", "OUTPUT: the image sequence to write (name.####.ext)"),
              ("Shots", "shots", "SHOTS: the shot list (.json, .otio or .edl)"))


def job_template(job, folder):
    """The OpenJD job template of `job` (a FarmJob) as a plain dict.

    folder: where the template file will be; OpenJD joins a PATH parameter's default to the
    template's folder (an absolute default is refused), so defaults are written relative to it.
    """
    values = {getattr(job, attr): f"{{{{Param.{name}}}}}" for name, attr, _ in PARAMETERS}
    steps = []
    for task in job.tasks:
        argv = [values.get(arg, arg) for arg in task.argv]
        step = {
            "name": task.name,
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
    return {
        "specificationVersion": SPECIFICATION,
        "name": job.name,
        "description": f"excolor colorize, chunks of {job.chunk} frames; forward chunks of a shot in "
                       "order, backward chunks in reverse order, shots in parallel",
        "parameterDefinitions": [_parameter(name, getattr(job, attr), text, folder)
                                 for name, attr, text in PARAMETERS],
        "steps": steps,
    }


def _parameter(name, value, text, folder):
    definition = {"name": name, "type": "PATH", "description": text}
    relative = os.path.relpath(value, folder)
    if not relative.startswith(".."):
        definition["default"] = relative  # only paths inside the template's folder may be defaults
    return definition


def parameter_values(job):
    """{name: value} of the job parameters (for `openjd run -p file://...` or a submission)."""
    return {name: getattr(job, attr) for name, attr, _ in PARAMETERS}


def write_template(job, path):
    """Write the template to `path` (.yaml/.yml as YAML, .json as JSON), and the job's
    parameter values beside it as `<path stem>.params.json`; returns (template, values) paths.
    Run it here with `openjd run TEMPLATE -p file://VALUES`."""
    import yaml

    path = Path(path)
    template = job_template(job, path.resolve().parent)
    if path.suffix.lower() == ".json":
        text = json.dumps(template, indent=2) + "\n"
    else:
        text = yaml.safe_dump(template, sort_keys=False, width=1000)
    values = path.with_name(path.stem + ".params.json")
    for target, content in ((path, text), (values, json.dumps(parameter_values(job), indent=2) + "\n")):
        temp = target.with_name(target.name + ".partial")
        temp.write_text(content)
        temp.replace(target)
    return path, values


def check_template(path):
    """Validate a template file with openjd-model (raises its DecodeValidationError if invalid)."""
    import yaml
    from openjd.model import decode_job_template

    text = Path(path).read_text()
    data = json.loads(text) if Path(path).suffix.lower() == ".json" else yaml.safe_load(text)
    return decode_job_template(template=data)
