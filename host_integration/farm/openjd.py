"""Open Job Description (the job format of AWS Deadline Cloud): a FarmJob as a job template.

    job_template(job) -> dict        the template (specification jobtemplate-2023-09)
    write_template(job, path)        as YAML (or JSON for a .json path), written atomically
    check_template(path)             validated by openjd-model (what `openjd check` runs)

One step per chunk, each with a single task; a step depends on the previous chunk of its chain
(OpenJD orders steps, not the tasks inside a step, so a chain of chunks is a chain of steps).
INPUT, OUTPUT and SHOTS are PATH job parameters (so a farm's path mapping applies to them),
defaulting to the paths the job was made with. Run it on this machine with
`openjd run job.yaml` (every step in dependency order), or submit it to Deadline Cloud.
"""
import json
from pathlib import Path

SPECIFICATION = "jobtemplate-2023-09"
PARAMETERS = (("Input", "input", "INPUT: the plates (video or name.####.ext)"),
              ("Output", "output", "OUTPUT: the image sequence to write (name.####.ext)"),
              ("Shots", "shots", "SHOTS: the shot list (.json, .otio or .edl)"))


def job_template(job):
    """The OpenJD job template of `job` (a FarmJob) as a plain dict."""
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
        "parameterDefinitions": [
            {"name": name, "type": "PATH", "default": getattr(job, attr), "description": text}
            for name, attr, text in PARAMETERS
        ],
        "steps": steps,
    }


def write_template(job, path):
    """Write the template to `path` (.yaml/.yml as YAML, .json as JSON); returns the path."""
    import yaml

    path = Path(path)
    template = job_template(job)
    if path.suffix.lower() == ".json":
        text = json.dumps(template, indent=2) + "\n"
    else:
        text = yaml.safe_dump(template, sort_keys=False, width=1000)
    temp = path.with_name(path.name + ".partial")
    temp.write_text(text)
    temp.replace(path)
    return path


def check_template(path):
    """Validate a template file with openjd-model (raises its DecodeValidationError if invalid)."""
    import yaml
    from openjd.model import decode_job_template

    text = Path(path).read_text()
    data = json.loads(text) if Path(path).suffix.lower() == ".json" else yaml.safe_load(text)
    return decode_job_template(template=data)
