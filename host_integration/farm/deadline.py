"""AWS Deadline Cloud job bundles of a FarmJob: the OpenJD template (excolor.hosts.farm.openjd)
with the files `deadline bundle submit` reads beside it.

    write_bundle(job, folder) -> template path      template.yaml, parameter_values.yaml and
                                                     asset_references.yaml in `folder`
    write_bundles(job, folder, shots_per_bundle)     one bundle per N shots (split_by_shots), in
                                                     `folder`/<part's job name>/
    bundle_folders(job, folder, shots_per_bundle)    the folders write_bundles writes

The template gets Deadline Cloud's queue-environment parameters CondaPackages and CondaChannels
(the convention of its Conda queue environment: a worker makes a conda environment of those
packages before the job's steps run, so `excolor` is on the PATH; empty: the queue's own
environment provides it). parameter_values.yaml holds the PATH values (INPUT's, OUTPUT's, the
matte's and the model's folders, the shot list, the OCIO config), asset_references.yaml what the
tasks read that no parameter names (the shots' reference images) and the folders they write.
"""
from pathlib import Path

from excolor.files import write_atomically

from .openjd import dump, job_template
from .openjd_parameters import GROUP_SOFTWARE, parameter_values
from .split import split_by_shots

BUNDLE_FILES = ("template.yaml", "parameter_values.yaml", "asset_references.yaml")
CONDA_PARAMETERS = (
    {"name": "CondaPackages", "type": "STRING", "default": "",
     "description": "conda packages the queue's Conda environment installs for the job (e.g. excolor), "
                    "space-separated; empty: none",
     "userInterface": {"control": "LINE_EDIT", "label": "Conda packages", "groupLabel": GROUP_SOFTWARE}},
    {"name": "CondaChannels", "type": "STRING", "default": "",
     "description": "conda channels to install CondaPackages from, space-separated",
     "userInterface": {"control": "LINE_EDIT", "label": "Conda channels", "groupLabel": GROUP_SOFTWARE}},
)


def write_bundle(job, folder):
    """Write a Deadline Cloud job bundle of `job` into `folder` (created if needed); returns the
    template's path."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    template, values, assets = (folder / name for name in BUNDLE_FILES)
    write_atomically(template, dump(job_template(job, folder.resolve(), CONDA_PARAMETERS)))
    write_atomically(values, dump({"parameterValues": [{"name": name, "value": value}
                                                        for name, value in parameter_values(job).items()]}))
    write_atomically(assets, dump({"assetReferences": asset_references(job)}))
    return template


def bundle_folders(job, folder, shots_per_bundle):
    """[(part FarmJob, its bundle folder)] of write_bundles."""
    return [(part, Path(folder) / part.name) for part in split_by_shots(job, shots_per_bundle)]


def write_bundles(job, folder, shots_per_bundle):
    """One bundle per `shots_per_bundle` shots of `job`, each in `folder`/<its job name>; returns
    their templates' paths. The parts are independent jobs (no chain crosses shots)."""
    return [write_bundle(part, path) for part, path in bundle_folders(job, folder, shots_per_bundle)]


def asset_references(job):
    """What the tasks read besides the PATH parameters (the shot list's reference images, as
    plan_job resolved them) and the folders they write (OUTPUT's, the matte's)."""
    values = parameter_values(job)
    outputs = [values[name] for name in ("OutputFolder", "MatteFolder") if name in values]
    return {"inputs": {"filenames": list(job.references), "directories": []},
            "outputs": {"directories": outputs}}
