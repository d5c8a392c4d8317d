"""Parameter-free matching: cosine similarity between frame and reference positions.

Shapes: the frame's projected features (B,C,h,w) and the reference's (B,C,hr,wr), already
centred over positions and L2-normalised per position (`centre_and_normalize`); the reference's
pooled ab (B,2,hr,wr). The reference may have another size than the frame.
"""
import torch

from .layers import l2_normalize_channels


def centre_and_normalize(features):
    """(B,C,h,w) -> same: subtract each channel's mean over positions, L2-normalise per position."""
    flat = features.flatten(2)
    flat = flat - flat.mean(dim=2, keepdim=True)
    return l2_normalize_channels(flat).view_as(features)


def match(frame_features, reference_features, reference_ab, temperature=None):
    """Warp the reference's pooled ab onto the frame's positions.

    Returns warped_ab (B,2,h,w) and confidence (B,1,h,w) = the best cosine similarity, in [-1,1].
    temperature None: each frame position takes the ab of its most similar reference position
    (argmax + gather: the authors' 1e-10 exactly, and safe in fp16). A float: softmax(f / T)
    weights over reference positions.
    """
    batch, _channels, height, width = frame_features.shape
    frame = frame_features.flatten(2)  # (B,C,N)
    reference = reference_features.flatten(2)  # (B,C,Nr)
    colours = reference_ab.flatten(2)  # (B,2,Nr)
    similarity = torch.bmm(frame.transpose(1, 2), reference)  # (B,N,Nr)
    best, best_index = similarity.max(dim=2)  # (B,N) each
    if temperature is None:
        index = best_index.unsqueeze(1).expand(-1, colours.shape[1], -1)  # (B,2,N)
        warped = torch.gather(colours, 2, index)
    else:
        weights = torch.softmax(similarity / temperature, dim=2)  # (B,N,Nr)
        warped = torch.bmm(colours, weights.transpose(1, 2))  # (B,2,N)
    warped_ab = warped.view(batch, colours.shape[1], height, width)
    confidence = best.view(batch, 1, height, width)
    return warped_ab, confidence
