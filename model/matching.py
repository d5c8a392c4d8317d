"""Parameter-free exemplar matching shared by both architectures: one signature, two versions.

    match(query (B,C,*S), keys (B,C,*Sr), values (B,V,*Sr), temperature)
        -> warped (B,V,*S), confidence (B,1,*S)

query and keys are unit feature vectors per position (frame and reference); values are what
the reference carries to the frame (its pooled ab). S and Sr are any spatial shapes (N, or
h x w); the reference may have another size than the frame. confidence is the best cosine
similarity, max_j q_i . k_j, in -1..1. temperature None is a hard argmax (each frame position
takes its most similar reference position's value: the official model's inference); a float
T > 0 weights the values by softmax_j(q_i . k_j * (1 / T)) (the paper's eq. 4-5); both versions
multiply by 1 / T rather than divide by T, so that they agree to the last bit.

Versions (pick one with an explicit argument, e.g. `MATCHERS[name]`):
- `dense_match`: the PyTorch reference. Memory grows with N x M (the whole similarity matrix
  and its softmax at once), i.e. with the 4th power of the network side.
- `chunked_match` (`ChunkedMatch(chunk)`): frame positions in chunks of `chunk`; each row of the
  similarity, its max/argmax and its softmax depend on that row alone, so the result is the
  dense one (to float32 rounding in the matrix product, ~1e-7; argmax indices the same), while
  memory grows linearly: chunk x M per step. The loop is TorchScript, so ONNX export writes a
  real Loop over a chunk count computed from the input's shape at run time (dynamic sizes
  stay dynamic) and ONNX Runtime frees each chunk's matrix before the next. fp16-safe: the
  logits are bounded by 1 / T and softmax subtracts the row maximum.
"""
import torch

DEFAULT_CHUNK = 1024  # frame positions per step: 1024 x M x 4 bytes = 150 MB at M = 36864


def _flat(tensor):
    return tensor.flatten(2)


def dense_match(query, keys, values, temperature=None):
    """The reference version (module doc): all positions at once."""
    frame = _flat(query)
    similarity = torch.bmm(frame.transpose(1, 2), _flat(keys))  # (B,N,M)
    return _finish_rows(similarity, _flat(values), temperature, query.shape)


def _finish_rows(similarity, colours, temperature, query_shape):
    best, best_index = similarity.max(dim=2)  # (B,N)
    if temperature is None:
        index = best_index.unsqueeze(1).expand(-1, colours.shape[1], -1)  # (B,V,N)
        warped = torch.gather(colours, 2, index)
    else:
        weights = torch.softmax(similarity * (1.0 / temperature), dim=2)
        warped = torch.bmm(colours, weights.transpose(1, 2))
    spatial = list(query_shape[2:])
    warped = warped.reshape([query_shape[0], colours.shape[1]] + spatial)
    return warped, best.reshape([query_shape[0], 1] + spatial)


@torch.jit.script
def _chunked_soft(frame, keys, colours, inverse_temperature: float, chunk: int):
    """frame (B,C,N), keys (B,C,M), colours (B,V,M) -> warped (B,V,N), best (B,1,N), by chunks."""
    positions = frame.shape[2]
    warped = []
    best = []
    for index in range((positions + chunk - 1) // chunk):
        rows = frame[:, :, index * chunk:(index + 1) * chunk]
        similarity = torch.bmm(rows.transpose(1, 2), keys)  # (B,chunk,M): the only big tensor
        best.append(similarity.max(dim=2)[0].unsqueeze(1))
        weights = torch.softmax(similarity * inverse_temperature, dim=2)
        warped.append(torch.bmm(colours, weights.transpose(1, 2)))
    return torch.cat(warped, 2), torch.cat(best, 2)


@torch.jit.script
def _chunked_hard(frame, keys, colours, chunk: int):
    """As _chunked_soft with argmax + gather instead of the softmax."""
    positions = frame.shape[2]
    warped = []
    best = []
    for index in range((positions + chunk - 1) // chunk):
        rows = frame[:, :, index * chunk:(index + 1) * chunk]
        similarity = torch.bmm(rows.transpose(1, 2), keys)
        values, indices = similarity.max(dim=2)
        best.append(values.unsqueeze(1))
        gather_index = indices.unsqueeze(1).expand(-1, colours.shape[1], -1)
        warped.append(torch.gather(colours, 2, gather_index))
    return torch.cat(warped, 2), torch.cat(best, 2)


class ChunkedMatch:
    """The chunked version (module doc) with `chunk` frame positions per step; a callable with
    dense_match's signature. chunk: positive int (memory per step ~ chunk x M floats)."""

    def __init__(self, chunk=DEFAULT_CHUNK):
        if not isinstance(chunk, int) or chunk < 1:
            raise ValueError(f"chunk must be a positive integer, got {chunk!r}")
        self.chunk = chunk

    def __call__(self, query, keys, values, temperature=None):
        frame, reference, colours = _flat(query), _flat(keys), _flat(values)
        if temperature is None:
            warped, best = _chunked_hard(frame, reference, colours, self.chunk)
        else:
            warped, best = _chunked_soft(frame, reference, colours, 1.0 / temperature, self.chunk)
        spatial = list(query.shape[2:])
        return (warped.reshape([query.shape[0], colours.shape[1]] + spatial),
                best.reshape([query.shape[0], 1] + spatial))

    def __repr__(self):
        return f"ChunkedMatch(chunk={self.chunk})"


chunked_match = ChunkedMatch()
MATCHERS = {"dense": dense_match, "chunked": chunked_match}


def matcher(name):
    """The matching version called `name` ('dense' or 'chunked'); ValueError lists the choices."""
    if name not in MATCHERS:
        raise ValueError(f"unknown matching {name!r}; choose one of {', '.join(MATCHERS)}")
    return MATCHERS[name]
