"""The learned fusion's inputs refilled frame after frame: the same arrays, the same values as
fresh ones, absent candidates zeroed even where the frame before had them."""
import numpy as np
from excolor.engine.fusion import CANDIDATES, Candidate, Candidates
from excolor.engine.fusion_graph import FUSION_INPUTS, fusion_inputs

from tests.support.node import carphone_frames


def frame_candidates(frame, names):
    """Candidates of real footage: L and ab of a carphone frame, each candidate's chroma a
    shifted copy, its error and quality taken from the lightness (in their ranges)."""
    from excolor.colour.cielab import srgb_to_lab

    lab = np.moveaxis(srgb_to_lab(frame).astype(np.float32), -1, 0)
    by_name = {name: Candidate(np.roll(lab[1:], 3 * index, axis=2).copy(), lab[0] / np.float32(10),
                               np.clip(lab[0] / np.float32(100), 0, 1))
               for index, name in enumerate(CANDIDATES) if name in names}
    return Candidates(lab[0].copy(), by_name)


def test_inputs_refilled_for_the_next_frame_equal_fresh_ones():
    first, second, smaller = carphone_frames(2)[0], carphone_frames(2)[1], carphone_frames(1)[0][:96]
    every = frame_candidates(first, CANDIDATES)
    fewer = frame_candidates(second, ("history", "global"))
    previous = fusion_inputs(every)
    kept = {name: previous[name] for name in FUSION_INPUTS[1:]}
    refilled = fusion_inputs(fewer, previous)
    fresh = fusion_inputs(fewer)
    for name in FUSION_INPUTS:
        assert refilled[name].tobytes() == fresh[name].tobytes(), name
    for name in FUSION_INPUTS[1:]:
        assert refilled[name] is kept[name]  # refilled in place, not made again
    absent = [i for i, name in enumerate(CANDIDATES) if name not in ("history", "global")]
    assert absent and not refilled["candidate_error"][0, absent].any()
    assert refilled["present"].ravel().tolist() == [float(name in ("history", "global")) for name in CANDIDATES]
    other_size = fusion_inputs(frame_candidates(smaller, CANDIDATES), refilled)
    assert other_size["candidate_ab"].shape[2:] == (96, 176) and other_size["candidate_ab"] is not kept["candidate_ab"]
