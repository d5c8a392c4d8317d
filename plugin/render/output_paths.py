"""The one rule for every path excolor writes: `excolor colorize`'s OUTPUT, `--preview`,
`--matte`, `--report` and the `.excolor/` state folder beside OUTPUT; `excolor shots -o`; `excolor
farm -o` (the job's files) and the OUTPUT and `--matte` its tasks will write.

A path is refused when it is
- one of the job's inputs: an INPUT frame (any frame of INPUT's sequence, on disk or not) or
  the INPUT video, a reference image, the shot list, the OCIO config (OutputError, exit 5);
- a path another option of the same job writes, e.g. `--preview` on a frame of OUTPUT
  (UsageError, exit 2);
- a file that exists and that this job did not write, unless `--overwrite` (OutputError): the
  caller says which files the job wrote earlier, from what `.excolor/` recorded under the same
  fingerprint (a frame's done marker, a complete video, a contact sheet's or a report's sha256: see
  `record_written` and `written_earlier`); those are reused or rewritten, as resume does;
- in a folder that cannot be created or written (OutputError).

Every path is claimed and checked before the first frame renders, and nothing is created while
checking: `create_folders()` makes the folders once every claim passed, so a refused job
leaves the disk as it found it.

    paths = OutputPaths({Path("key.png"): "the reference of shot 1"}, [(pattern, "INPUT")], overwrite=False)
    paths.claim_sequence(output_pattern, frames, "OUTPUT", ours=frame_was_done)
    paths.claim(Path("sheet.png"), "--preview", ours=written_earlier(workspace, sheet, digest))
    paths.create_folders()

`claim_output_paths` makes those claims for a render job, from the values it writes and reads;
`claim_farm_paths` for a farm job. `excolor shots` claims its one file itself.
"""
import json
import os
import re
from pathlib import Path

from ..errors import OutputError, UsageError
from ..files import file_sha256
from ..io import SequencePattern, is_video_path

WRITTEN_RECORD = "written.json"  # in `.excolor/<name>/`: files other than frames this job wrote


def _absolute(path):
    return Path(os.path.abspath(Path(path).expanduser()))


def _pattern_regex(pattern):
    digits = r"\d{%d,}" % pattern.padding if pattern.padding else r"\d+"
    return re.compile(re.escape(pattern.prefix) + f"-?{digits}" + re.escape(pattern.suffix) + "$")


class OutputPaths:
    """The paths one job writes, checked against its inputs and each other (module docstring).

    protected: {file path: what it is, e.g. "the reference of shot 2"}; protected_sequences:
    [(SequencePattern, what it is)], every frame number of which is protected. writer: who the
    messages say did not write an existing file ("this render"; "this command" for a command that
    records nothing of what it wrote, so that every existing file needs --overwrite).
    """

    def __init__(self, protected, protected_sequences=(), *, overwrite=False, writer="this render"):
        self.overwrite = overwrite
        self.writer = writer
        self._protected = {_absolute(path): what for path, what in protected.items()}
        self._protected_real = {Path(path).resolve(): what for path, what in protected.items()}
        self._protected_sequences = [(_absolute(p.directory), _pattern_regex(p), what)
                                     for p, what in protected_sequences]
        self._claimed = {}  # path -> the option that writes it
        self._claimed_sequences = []  # (folder, regex, option)
        self._folders = []

    def claim(self, path, option, *, ours=False):
        """`option` ("OUTPUT", "--preview", ...) writes the file `path`; `ours`: it is a file this
        job wrote earlier under the same fingerprint. Raises UsageError / OutputError."""
        absolute = _absolute(path)
        self._refuse_input(absolute, path, option)
        other = self._claimed.get(absolute) or self._in_claimed_sequence(absolute)
        if other is not None and other != option:
            raise UsageError(f"{option} {path} is also written by {other}: give them different paths")
        if absolute.is_dir():
            raise OutputError(f"{option} {path} is a folder")
        if absolute.exists() and not (ours or self.overwrite):
            raise OutputError(f"{option} {path} exists and was not written by {self.writer}; "
                              "pass --overwrite to replace it")
        self._claimed[absolute] = option
        self.claim_folder(absolute.parent, option, path)

    def claim_sequence(self, pattern, frames, option, *, ours=lambda frame: False):
        """`option` writes `pattern`'s files for `frames`; `ours(frame)`: that frame's file was
        written by this job earlier. A frame that exists and is not ours is refused as a whole
        (naming how many and the first) unless --overwrite."""
        self.reserve_sequence(pattern, frames, option)
        foreign = [] if self.overwrite else [
            pattern.path(frame) for frame in frames if _absolute(pattern.path(frame)).exists() and not ours(frame)]
        if foreign:
            raise OutputError(f"{option} {pattern.display()} already has {len(foreign)} frame(s) (e.g. "
                              f"{foreign[0]}) not made by {self.writer}; pass --overwrite to replace them")
        self.claim_folder(pattern.directory, option, pattern.display())

    def reserve_sequence(self, pattern, frames, option):
        """`option` writes `pattern`'s files for `frames` later, in another process that checks
        existing frames and folders itself (a farm task): refused here only where a frame is an
        input (OutputError) or another option's path (UsageError)."""
        folder, regex = _absolute(pattern.directory), _pattern_regex(pattern)
        for other_folder, other_regex, other in self._claimed_sequences:
            if other != option and other_folder == folder and other_regex.pattern == regex.pattern:
                raise UsageError(f"{option} {pattern.display()} is also written by {other}: "
                                 "give them different paths")
        for frame in frames:
            path = pattern.path(frame)
            absolute = _absolute(path)
            self._refuse_input(absolute, path, option)
            if absolute in self._claimed and self._claimed[absolute] != option:
                raise UsageError(f"{option} frame {path} is also written by {self._claimed[absolute]}: "
                                 "give them different paths")
        self._claimed_sequences.append((folder, regex, option))

    def claim_folder(self, folder, option, path=None):
        """`option` needs `folder` (made by create_folders): refused if it cannot be made or
        written."""
        folder = _absolute(folder)
        existing = folder
        while not existing.exists() and existing != existing.parent:
            existing = existing.parent
        named = f"{option} {path if path is not None else folder}"
        if not existing.is_dir():
            raise OutputError(f"{named}: cannot create folder {folder} ({existing} is not a folder)")
        if not os.access(existing, os.W_OK | os.X_OK):
            raise OutputError(f"{named}: folder {existing} is not writable")
        if folder not in self._folders:
            self._folders.append(folder)

    def create_folders(self):
        """Make every claimed folder (after all claims passed)."""
        for folder in self._folders:
            try:
                folder.mkdir(parents=True, exist_ok=True)
            except OSError as error:
                raise OutputError(f"cannot create folder {folder} ({error.strerror or error})") from error

    def _refuse_input(self, absolute, path, option):
        what = self._protected.get(absolute)
        if what is None and absolute.exists():
            what = self._protected_real.get(absolute.resolve())  # the same file through a link
        if what is None:
            for folder, regex, name in self._protected_sequences:
                if absolute.parent == folder and regex.match(absolute.name):
                    what = f"a frame of {name}"
        if what is not None:
            raise OutputError(f"{option} {path} is {what}: excolor never overwrites its inputs")

    def _in_claimed_sequence(self, absolute):
        for folder, regex, option in self._claimed_sequences:
            if absolute.parent == folder and regex.match(absolute.name):
                return option
        return None


def protected_inputs(input, references, shot_list, ocio_config):
    """({file: what it is}, [(SequencePattern, what it is)]): what a job reads and so never
    writes. input: INPUT as given (a video file, or a sequence pattern every frame number of
    which is protected); references: the reference image paths; shot_list: --shots, or None;
    ocio_config: the config the job uses (excolor.colour.management.config_source: a file, or a
    name OCIO knows), or None where no config is named."""
    protected = {Path(image): "a reference image" for image in references}
    sequences = []
    pattern = None if is_video_path(input) else SequencePattern.parse(input)
    if pattern is None:
        protected[Path(input)] = "INPUT"
    else:
        sequences.append((pattern, "INPUT"))
    if shot_list is not None:
        protected[Path(shot_list)] = "the shot list"
    if ocio_config is not None and Path(ocio_config).is_file():
        protected[Path(ocio_config)] = "the OCIO config"
    return protected, sequences


def claim_output_paths(inputs, *, output, output_kind, covered, matte, preview, workspace, digest, overwrite,
                       report=None):
    """The OutputPaths of a render job, every claim checked (nothing is created: call
    create_folders() on the result).

    inputs: protected_inputs(...); output: OUTPUT as given, of output_kind "video" or
    "sequence", whose frames `covered` a sequence writes; matte: the job's Matte
    (excolor.render.matte); preview: --preview, or None; report: the file --report writes, or
    None; workspace: OUTPUT's Workspace (its
    folder is claimed; what it recorded says which files are this job's); digest: the job's
    fingerprint digest (files recorded under it were written by this job); overwrite: --overwrite.
    """
    paths = OutputPaths(*inputs, overwrite=overwrite)
    known = (workspace.root / "fingerprint.json").is_file()  # a render of OUTPUT started before
    if output_kind == "video":
        paths.claim(Path(output), "OUTPUT", ours=known and workspace.completed() is not None)
    else:
        paths.claim_sequence(SequencePattern.parse(output), covered, "OUTPUT", ours=lambda _frame: known)
    paths.claim_folder(workspace.root, "OUTPUT", output)
    if matte.form == "sequence":
        paths.claim_sequence(matte.pattern, covered, "--matte", ours=lambda _frame: known)
    if preview:
        sheet = Path(preview)
        paths.claim(sheet, "--preview", ours=written_earlier(workspace.root, sheet, digest))
    if report is not None:
        paths.claim(report, "--report", ours=written_earlier(workspace.root, report, digest))
    return paths


def claim_farm_paths(inputs, *, output, matte, frames, job_files, overwrite):
    """The OutputPaths of `excolor farm`, every claim checked (nothing is created).

    inputs: protected_inputs(...) of the tasks; output: OUTPUT, an image sequence pattern, and
    matte: the tasks' Matte (excolor.render.matte), whose `frames` the tasks write: refused now
    where they are an input or each other, as every task would refuse them (their existing
    frames and folders are the tasks' to judge: a task run again resumes them). job_files: the
    files `-o` makes (a job file and its parameter values, a bundle's files), claimed as any file
    excolor writes: never an input or a task's frame, an existing one only with `overwrite`.
    """
    paths = OutputPaths(*inputs, overwrite=overwrite, writer="this command")
    paths.reserve_sequence(SequencePattern.parse(output), frames, "OUTPUT")
    if matte.form == "sequence":
        paths.reserve_sequence(matte.pattern, frames, "--matte")
    for path in job_files:
        paths.claim(Path(path), "-o")
    return paths


def written_earlier(workspace_root, path, digest):
    """True when `path` is a file (a contact sheet, a report) this job wrote under the fingerprint
    `digest` and nothing changed it since (see `record_written`)."""
    try:
        record = json.loads((Path(workspace_root) / WRITTEN_RECORD).read_text())
        entry = record[str(_absolute(path))]
        return entry["fingerprint"] == digest and entry["sha256"] == file_sha256(path)
    except (OSError, ValueError, KeyError, TypeError):
        return False


def record_written(workspace, path):
    """Note in the workspace that this job wrote `path` (its sha256, under the workspace's
    fingerprint), so a rerun may rewrite it without --overwrite."""
    record_path = workspace.root / WRITTEN_RECORD
    try:
        record = json.loads(record_path.read_text())
    except (OSError, ValueError):
        record = {}
    record[str(_absolute(path))] = {"fingerprint": workspace.digest, "sha256": file_sha256(path)}
    workspace.write_bytes(record_path, (json.dumps(record, indent=2, sort_keys=True) + "\n").encode())


def output_location(output, output_kind):
    """(folder that holds OUTPUT, name of its `.excolor/` entry); nothing is created."""
    if output_kind == "video":
        return Path(output).parent, Path(output).name
    pattern = SequencePattern.parse(output)
    return pattern.directory, Path(pattern.display()).name
