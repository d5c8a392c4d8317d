"""The job parameters of an Open Job Description job made from a FarmJob, and the task commands
written with them, so that a submitter (Deadline Cloud's GUI, `openjd run -p`) can edit them and
a farm's path mapping and job attachments see every path a task reads or writes.

    job_parameters(job) -> [JobParameter]          in the order a submitter shows them
    parameter_values(job) -> {name: value}          the values no default can hold (the PATHs)
    task_command(argv, parameters) -> (command, args)   a task's argv written with `{{Param.X}}`

The parameters (userInterface: the control and group a submitter shows):

    InputFolder   PATH DIRECTORY IN      INPUT's folder (its file name stays in the commands)
    OutputFolder  PATH DIRECTORY INOUT   OUTPUT's folder: its .excolor/ keeps the states each
                                         chunk continues from, so it is read as well as written
    Shots         PATH FILE IN           the shot list every task reads
    MatteFolder   PATH DIRECTORY OUT     --matte SEQUENCE's folder (only with one)
    Model         PATH DIRECTORY IN      --model DIR; a model *name* is a STRING (default: the
                                         packaged default model), editable
    OcioConfig    PATH FILE IN           --ocio-config FILE (a built-in ocio:// config stays in
                                         the commands)
    Threads       INT >= 1               every task's --threads
    ChunkSize     INT >= min chunk       frames per chunk: each step's `--chunk-of k:{{Param.ChunkSize}}`
                                         (default the written --chunk, at least --min-chunk, for which
                                         the steps are written; no maximum: past a chain's length its
                                         first step renders it all and the rest finish at once)
    ExcolorCommand STRING                the program that runs excolor on a worker, looked up on
                                         its PATH (default `excolor`, not the submitting
                                         machine's interpreter, which no worker has)

The chunk size is a parameter although OpenJD makes steps when the template is written: the
chunks of a chain are ordered by their steps' dependencies (OpenJD orders steps, not the tasks of
a step), so each chain has as many steps as its chunks of the smallest allowed size, each naming
its chunk by its index (excolor.hosts.farm.openjd).
"""
import dataclasses
import os
from pathlib import Path

from excolor.engine.models import DEFAULT_MODEL_NAME

GROUP_FOOTAGE = "Footage and output"
GROUP_RENDER = "Colorize settings"
GROUP_SOFTWARE = "Software"
CHUNK_SIZE = "{{Param.ChunkSize}}"  # what a step's --chunk-of gets as its SIZE
SHOT_LIST_FILTERS = [{"label": "Shot lists", "patterns": ["*.json", "*.otio", "*.edl"]},
                     {"label": "All files", "patterns": ["*"]}]


@dataclasses.dataclass(frozen=True)
class JobParameter:
    """One job parameter: its OpenJD definition (without a default), its value, and what it
    replaces in a task's argv: the value after `flag` (or the positional `position` after
    `colorize`), as `{{Param.NAME}}` followed by `file_name` for a folder of a sequence."""

    definition: dict
    value: object
    flag: str = ""
    position: int = 0
    file_name: str = ""

    @property
    def name(self):
        return self.definition["name"]

    @property
    def token(self):
        return "{{Param.%s}}" % self.name + (f"/{self.file_name}" if self.file_name else "")


def _path(name, kind, flow, label, text, group, **ui):
    control = {"DIRECTORY": "CHOOSE_DIRECTORY", "FILE": "CHOOSE_INPUT_FILE"}[kind]
    return {"name": name, "type": "PATH", "objectType": kind, "dataFlow": flow, "description": text,
            "userInterface": {"control": control, "label": label, "groupLabel": group, **ui}}


def job_parameters(job):
    """[JobParameter] of `job` (a FarmJob with at least one task)."""
    flags = _common_flags(job.tasks[0].argv)
    parameters = [
        JobParameter(_path("InputFolder", "DIRECTORY", "IN", "Input folder",
                           "the folder of INPUT (a video or name.####.ext)", GROUP_FOOTAGE),
                     str(Path(job.input).parent), position=1, file_name=Path(job.input).name),
        JobParameter(_path("OutputFolder", "DIRECTORY", "INOUT", "Output folder",
                           "the folder of OUTPUT (name.####.ext); its .excolor/ keeps the states each chunk "
                           "continues from", GROUP_FOOTAGE),
                     str(Path(job.output).parent), position=2, file_name=Path(job.output).name),
        JobParameter(_path("Shots", "FILE", "IN", "Shot list",
                           "SHOTS: the shot list (.json, .otio or .edl); references are relative to it",
                           GROUP_FOOTAGE, fileFilters=SHOT_LIST_FILTERS),
                     job.shots, flag="--shots"),
    ]
    matte = flags.get("--matte")
    if matte is not None and os.path.isabs(matte):  # a sequence; `channel` stays in the commands
        parameters.append(JobParameter(
            _path("MatteFolder", "DIRECTORY", "OUT", "Matte folder",
                  "the folder of --matte (the confidence mattes, name.####.ext)", GROUP_FOOTAGE),
            str(Path(matte).parent), flag="--matte", file_name=Path(matte).name))
    model = flags.get("--model", DEFAULT_MODEL_NAME)
    if os.path.isabs(model):
        parameters.append(JobParameter(_path("Model", "DIRECTORY", "IN", "Model folder",
                                             "--model: the model folder", GROUP_RENDER), model, flag="--model"))
    else:
        parameters.append(JobParameter(
            {"name": "Model", "type": "STRING", "minLength": 1, "description": "--model: a model name known on "
             "the workers", "userInterface": {"control": "LINE_EDIT", "label": "Model", "groupLabel": GROUP_RENDER}},
            model, flag="--model"))
    ocio = flags.get("--ocio-config")
    if ocio is not None and os.path.isabs(ocio):
        parameters.append(JobParameter(
            _path("OcioConfig", "FILE", "IN", "OCIO config", "--ocio-config: the colour config every task uses",
                  GROUP_RENDER, fileFilters=[{"label": "OCIO configs", "patterns": ["*.ocio"]}]),
            ocio, flag="--ocio-config"))
    parameters += [
        JobParameter({"name": "Threads", "type": "INT", "minValue": 1,
                      "description": "--threads of every task (each step asks for this many vCPUs as written; "
                                     "write the job again with --threads to change what it asks for)",
                      "userInterface": {"control": "SPIN_BOX", "label": "Threads per task",
                                        "groupLabel": GROUP_RENDER}},
                     job.threads, flag="--threads"),
        JobParameter({"name": "ChunkSize", "type": "INT", "minValue": job.min_chunk,
                      "description": f"frames per chunk (at least {job.min_chunk}: the job has the steps of chunks "
                                     "that small; with larger chunks a chain's last steps have nothing to do and "
                                     "finish at once)",
                      "userInterface": {"control": "SPIN_BOX", "label": "Frames per chunk",
                                        "groupLabel": GROUP_RENDER}},
                     job.chunk),
        JobParameter({"name": "ExcolorCommand", "type": "STRING", "minLength": 1,
                      "description": "the program that runs excolor on a worker, found on its PATH",
                      "userInterface": {"control": "LINE_EDIT", "label": "excolor command",
                                        "groupLabel": GROUP_SOFTWARE}},
                     job.tasks[0].argv[0]),
    ]
    return parameters


def parameter_values(job):
    """{name: value} of the PATH parameters (for `openjd run -p file://...` or a submission):
    OpenJD allows a PATH default only inside the template's folder, so these travel beside it."""
    return {p.name: p.value for p in job_parameters(job) if p.definition["type"] == "PATH"}


def with_default(parameter, folder):
    """The definition of `parameter` with its default where OpenJD allows one: any value of a
    STRING or INT, and a PATH inside `folder` (the template's; written relative to it)."""
    definition = dict(parameter.definition)
    if definition["type"] != "PATH":
        definition["default"] = parameter.value
        return definition
    relative = os.path.relpath(parameter.value, folder)
    if not relative.startswith(".."):
        definition["default"] = relative
    return definition


def task_command(argv, parameters):
    """(command, args) of a task whose argv is `argv` (prefix, "colorize", INPUT, OUTPUT,
    flags...): every value a parameter holds written as its `{{Param.X}}`. A model given by no
    --model gets `--model {{Param.Model}}` (the default model), so that it can be edited."""
    at = argv.index("colorize")
    by_flag = {p.flag: p for p in parameters if p.flag}
    by_position = {p.position: p for p in parameters if p.position}
    args = list(argv[1:at]) + ["colorize"]
    pending = None
    for index, arg in enumerate(argv[at + 1:], start=1):
        if pending is not None:
            args.append(pending.token)
            pending = None
        elif index in by_position:
            args.append(by_position[index].token)
        elif arg.split("=", 1)[0] in by_flag and "=" in arg:
            args.append(f"{arg.split('=', 1)[0]}={by_flag[arg.split('=', 1)[0]].token}")
        else:
            if arg == "--threads" and not _has_flag(argv, "--model"):
                args += ["--model", by_flag["--model"].token]
            pending = by_flag.get(arg)
            args.append(arg)
    return "{{Param.ExcolorCommand}}", args


def _has_flag(argv, flag):
    return any(arg == flag or arg.startswith(flag + "=") for arg in argv)


def _common_flags(argv):
    """{flag: value} of the `--flag value` / `--flag=value` pairs of a task's argv."""
    flags = {}
    for index, arg in enumerate(argv):
        if arg.startswith("--") and "=" in arg:
            flag, value = arg.split("=", 1)
            flags[flag] = value
        elif arg.startswith("--") and index + 1 < len(argv):
            flags[arg] = argv[index + 1]
    return flags
