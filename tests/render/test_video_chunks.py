"""A video OUTPUT rendered in `--frames` chunks holds every chunk's frames, and its encoder's
settings are part of what it is: through the real command on a real gray clip (20 frames,
160x120, H.264) coloured from the true colour of its first frame."""
import pytest

from tests.render.clips import decoded, gray_video, key, shot_list
from tests.support.batch import excolor


@pytest.fixture(scope="module")
def clip(tmp_path_factory):
    folder = tmp_path_factory.mktemp("clip")
    video, frames = gray_video(folder / "V.mp4")
    reference = key(folder / "REF.png", frames[0])
    return {"video": video, "reference": reference,
            "shots": shot_list(folder / "shots.json", [{"start": 0, "end": 19, "reference": str(reference)}])}


@pytest.fixture(scope="module")
def one_go(clip, tmp_path_factory, lite_model_dir):
    out = tmp_path_factory.mktemp("one_go") / "o.mp4"
    done = excolor("colorize", clip["video"], out, "--shots", clip["shots"], "--model", lite_model_dir)
    assert done.returncode == 0, done.stderr
    return out


def _colorize(clip, out, model, *more):
    return excolor("colorize", clip["video"], out, "--shots", clip["shots"], "--model", model, *more)


def _workspace(out):
    return out.parent / ".excolor" / out.name


@pytest.mark.slow
def test_chunks_into_one_video_hold_every_chunks_frames(clip, one_go, tmp_path, lite_model_dir):
    out = tmp_path / "o.mp4"
    first = _colorize(clip, out, lite_model_dir, "--frames", "0-9")
    assert first.returncode == 0, first.stderr
    assert f"wrote {out} (frames 0-9)" in first.stderr and len(decoded(out)) == 10
    # The video is not the whole INPUT yet: its frames stay cached for the next chunk.
    assert len(list((_workspace(out) / "frames").glob("frame.*.png"))) == 10
    second = _colorize(clip, out, lite_model_dir, "--frames", "10-19")
    assert second.returncode == 0, second.stderr
    assert "10 frame(s) written, 0 already done" in second.stderr
    assert f"wrote {out} (frames 0-19)" in second.stderr
    chunked, whole = decoded(out), decoded(one_go)
    assert len(chunked) == 20 and all((a == b).all() for a, b in zip(chunked, whole))
    # Complete: no cached frame, no run state left.
    assert not list((_workspace(out) / "frames").iterdir()) and not list((_workspace(out) / "states").iterdir())
    again = _colorize(clip, out, lite_model_dir, "--frames", "10-19")
    assert again.returncode == 0 and f"{out} is already complete" in again.stderr


@pytest.mark.slow
def test_one_chunk_into_a_new_video_is_a_video_of_that_chunk(clip, tmp_path, lite_model_dir):
    out = tmp_path / "o.mp4"
    done = excolor("colorize", clip["video"], out, "--reference", clip["reference"], "--model", lite_model_dir,
                   "--frames", "5-9")
    assert done.returncode == 0, done.stderr
    assert f"wrote {out} (frames 5-9)" in done.stderr and len(decoded(out)) == 5


@pytest.mark.slow
def test_other_encoder_settings_are_refused_once_the_frames_are_gone(clip, one_go, tmp_path, lite_model_dir):
    """A finished video keeps no frames: other settings would need every frame rendered again,
    so the command refuses, naming the change, and leaves the video as it was."""
    out = one_go
    before = out.read_bytes()
    changed = excolor("colorize", clip["video"], out, "--shots", clip["shots"], "--model", lite_model_dir,
                      "--crf", "40", "--preset", "ultrafast")
    assert changed.returncode == 6, changed.stderr
    assert '--crf: 18 -> 40; --preset: null -> "ultrafast"' in changed.stderr and "--overwrite" in changed.stderr
    assert out.read_bytes() == before
    same = _colorize(clip, out, lite_model_dir)
    assert same.returncode == 0 and f"{out} is already complete" in same.stderr and out.read_bytes() == before


@pytest.mark.slow
def test_other_codec_is_refused_naming_it(clip, tmp_path, lite_model_dir):
    out = tmp_path / "o.mp4"
    done = _colorize(clip, out, lite_model_dir, "--codec", "png")
    assert done.returncode == 0, done.stderr
    before = out.read_bytes()
    vp9 = _colorize(clip, out, lite_model_dir, "--codec", "libvpx-vp9", "--crf", "30", "--pix-fmt", "yuv420p")
    assert vp9.returncode == 6 and '--codec: "png" -> "libvpx-vp9"' in vp9.stderr
    assert out.read_bytes() == before


@pytest.mark.slow
def test_other_settings_encode_again_from_the_cached_frames(clip, tmp_path, lite_model_dir):
    """While the video's frames are cached (it is not the whole INPUT yet), other settings encode
    it again from them, rendering nothing."""
    out = tmp_path / "o.mp4"
    assert _colorize(clip, out, lite_model_dir, "--frames", "0-9").returncode == 0
    before = decoded(out)
    smaller = _colorize(clip, out, lite_model_dir, "--frames", "0-9", "--crf", "40", "--preset", "ultrafast")
    assert smaller.returncode == 0, smaller.stderr
    assert "0 frame(s) written, 10 already done" in smaller.stderr and f"wrote {out} (frames 0-9)" in smaller.stderr
    after = decoded(out)
    assert len(after) == 10 and any((a != b).any() for a, b in zip(before, after))
    same = _colorize(clip, out, lite_model_dir, "--frames", "0-9", "--crf", "40", "--preset", "ultrafast")
    assert same.returncode == 0 and f"{out} is already complete" in same.stderr
