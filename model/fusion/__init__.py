"""The learned fusion of a frame's colour candidates (excolor.learned_fusion runs it).

network: FusionNet, the small per-pixel network; clips: candidate clips recorded from the
runtime node on pseudo-videos; training: truncated back-propagation through whole clips.
"""
