"""OpenCue: a FarmJob as a PyOutline outline (opencue-pyoutline), and its job spec (XML).

    build_outline(job, show=None, shot=None) -> outline.Outline
    job_spec(job, show=None, shot=None, user=None) -> str   the XML Cuebot receives
    launch(job, ...) -> the launched jobs (needs a Cuebot: CUEBOT_HOSTS or opencue.yaml)

One layer per chunk, each a Shell layer of the chunk's frames (range A-B) in one OpenCue chunk
(chunk size B-A+1: OpenCue runs the command once, for its first frame, as the chunk's frames
must run in order in one process), so the Cuebot's frame view shows each chunk at its first
frame and its layer's range is the chunk's frames. A layer reserves the job's threads as cores
(the task runs with `--threads` of that count) and runs `excolor colorize ... --frames A-B
--direction D`; it depends on the previous chunk of its chain (a layer-on-layer depend),
shots and chains run in parallel; a last layer, `cleanup`, runs `excolor clean OUTPUT` (one
frame, one core) once the last chunk of every chain is done. The outline's own range is the
frames of all its shots.
The spec is made without pycuerun wrappers (the command runs as it is on the render node),
so excolor must be installed there. OpenCue retries a frame that dies (`maxretries`); the
rerun resumes from the state the chunk saved. `shot`: OpenCue's shot of the job (`excolor farm
opencue --shot` gives the name of the one shot the job renders).

`outline` (opencue-pyoutline, the `opencue` extra) is imported inside the functions that use it, so
the other engines and `excolor farm --help` work without it.
"""
import shlex

from excolor.files import write_atomically


def build_outline(job, show=None, shot=None, maxretries=None):
    """The outline of `job`: a Shell layer per task, LayerOnLayer depends along each chain."""
    import outline
    from outline.modules.shell import Shell

    span = f"{min(t.first for t in job.tasks)}-{max(t.last for t in job.tasks)}"
    ol = outline.Outline(job.name, frame_range=span, show=show, shot=shot)
    layers = {}
    for task in job.tasks:
        layer = Shell(task.name, command=task.command, range=f"{task.first}-{task.last}",
                      chunk=task.last - task.first + 1, threads=job.threads)
        ol.add_layer(layer)
        layers[task.name] = layer
    for task in job.tasks:
        for name in task.depends_on:
            layers[task.name].depend_all(layers[name])
    first = min(t.first for t in job.tasks)
    cleanup = Shell("cleanup", command=shlex.join(job.cleanup), range=f"{first}-{first}", chunk=1, threads=1)
    ol.add_layer(cleanup)
    for name in job.chain_ends():
        cleanup.depend_all(layers[name])
    if maxretries is not None:
        ol.set_arg("maxretries", int(maxretries))
    return ol


def job_spec(job, show=None, shot=None, user=None, maxretries=2):
    """The OpenCue job spec (XML text) PyOutline serialises for `job`."""
    from outline.backend.cue import serialize_simple
    from outline.cuerun import OutlineLauncher

    ol = build_outline(job, show=show, shot=shot)
    flags = {"maxretries": int(maxretries), "nomail": True}
    if user:
        flags["user"] = user
    return serialize_simple(OutlineLauncher(ol, **flags))


def write_spec(job, path, **options):
    """Write job_spec(job) to `path` atomically; returns the path."""
    write_atomically(path, job_spec(job, **options))
    return path


def launch(job, show=None, shot=None, maxretries=2):
    """Submit `job` to the Cuebot PyOutline is configured for (not testable without one)."""
    from outline.cuerun import OutlineLauncher

    ol = build_outline(job, show=show, shot=shot)
    launcher = OutlineLauncher(ol, maxretries=int(maxretries), nomail=True)
    return launcher.launch(use_pycuerun=False)
