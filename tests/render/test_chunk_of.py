"""`excolor colorize --frames LO-HI --direction D --chunk-of K:SIZE`: the K-th chunk of SIZE
frames along the chain LO-HI in D's order (excolor.render.frames.chunk_frames), the last one cut
at the chain's end; a K past the end renders nothing and exits 0, a wrong value is a usage error
naming the flag. That a job's chunks so named equal a one-go render, at two chunk sizes, is
tests/hosts/farm/test_plan.py's `openjd run` test."""
from types import SimpleNamespace

import pytest
from excolor.errors import UsageError
from excolor.render.frames import chunk_frames

from tests.support.batch import excolor


def _chunk(chunk_of, frames="1001-1010", direction="forward"):
    return chunk_frames(SimpleNamespace(chunk_of=chunk_of, frames=frames, direction=direction))


def test_the_chunks_along_each_direction():
    assert [_chunk(f"{k}:4") for k in range(1, 5)] == ["1001-1004", "1005-1008", "1009-1010", None]
    assert [_chunk(f"{k}:4", direction="backward") for k in range(1, 5)] == ["1007-1010", "1003-1006", "1001-1002",
                                                                             None]
    assert _chunk("1:100", direction="backward") == "1001-1010" and _chunk("2:100") is None
    assert _chunk(" 2 : 1 ", frames="7-7") is None and _chunk("1:1", frames="7-7") == "7-7"
    for value, words in (("0:4", "--chunk-of 0:4: chunk 0"), ("1:0", "--chunk-of 1:0: size 0"),
                         ("-1:4", "--chunk-of -1:4: chunk -1"), ("3", "--chunk-of '3': expected K:SIZE"),
                         ("a:b", "--chunk-of 'a:b': expected K:SIZE")):
        with pytest.raises(UsageError, match=words):
            _chunk(value)
    for frames, direction in ((None, "forward"), ("1001-1010", "both")):
        with pytest.raises(UsageError, match="--chunk-of 1:4: .*--frames LO-HI --direction forward|backward"):
            _chunk("1:4", frames, direction)


def test_a_chunk_past_the_end_renders_nothing_and_a_wrong_one_is_refused(plate, tmp_path):
    pattern, key = plate
    out = tmp_path / "out"

    def colorize(*flags):
        return excolor("colorize", pattern, out / "c.####.png", "--reference", key, *flags)

    past = colorize("--frames", "1001-1004", "--direction", "backward", "--chunk-of", "2:4")
    assert past.returncode == 0, past.stderr
    assert past.stderr.splitlines() == [
        "excolor colorize: --chunk-of 2:4: past the end of frames 1001-1004 (backward); nothing to render"]
    for flags, words in ((("--frames", "1001-1004", "--direction", "forward", "--chunk-of", "0:2"), "--chunk-of 0:2"),
                         (("--frames", "1001-1004", "--direction", "forward", "--chunk-of", "2"), "--chunk-of '2'"),
                         (("--direction", "forward", "--chunk-of", "1:2"), "--chunk-of 1:2")):
        refused = colorize(*flags)
        assert refused.returncode == 2 and f"excolor colorize: error: {words}" in refused.stderr, refused.stderr
    assert not out.exists()
