"""A frame a job wrote, finished again from the run states it saved in `.excolor/`.

The contact sheet shows frames the batch did not keep (those done by an earlier render, the
frames to key next, known only once every frame is rendered). The node could render such a
frame from each run's start; from the run's latest state saved before the frame (every
`--state-every` frames, excolor.render.batch) it takes at most that many steps. Replays are
deterministic, so the frame equals the one written (excolor.render.batch's resume relies on the
same). With no state saved before the frame (`--preroll`, which saves none) the run starts
from its initial state, as `ColorizeNode.render_result` would.
"""


def replayed_frame(node, workspace, frame):
    """`frame`'s FrameResult, each of its runs stepped from its latest state `workspace` (the
    job's Workspace) saved before `frame`."""
    results = {run.name: _run_result(node, workspace, run, frame) for run, _weight in node.contributions(frame)}
    return node.compose(frame, results)


def _run_result(node, workspace, run, frame):
    """`run`'s RunFrame for `frame`."""
    def position(f):
        return (f - run.start) * run.direction  # 0 at the run's start, -1 for the state before it

    saved = [f for f in workspace.state_frames(run.name) if -1 <= position(f) < position(frame)]
    if saved:
        best = max(saved, key=position)
        arrays = workspace.load_state(run.name, best)
        state = node.state_from_arrays(run, arrays, where=str(workspace.state_path(run.name, best)))
    else:
        state = node.initial_state(run)
    while True:
        result, state = node.step(run, state)
        if state.frame == frame:
            return result
