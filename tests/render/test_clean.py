"""What a finished render keeps in `.excolor/`, and `excolor clean`: run states are pruned once
every frame of their run is done (a finished job keeps none), and `excolor clean OUTPUT` removes
the caches that remain (a video's cached frames, waiting results, temp files) and, with --all,
the records, never a file excolor did not write there. Through the real command on real footage."""
import pytest

from tests.render.clips import gray_video, key, plate_sequence
from tests.support.batch import excolor


@pytest.fixture
def finished(tmp_path, lite_model_dir):
    """A finished 24-frame job into a PNG sequence, states saved every 2 frames."""
    pattern, frames = plate_sequence(tmp_path / "in", 24)
    reference = key(tmp_path / "key.png", frames[0])
    out = tmp_path / "out"
    args = ("colorize", pattern, out / "c.####.png", "--reference", reference, "--model", lite_model_dir,
            "--state-every", "2")
    done = excolor(*args)
    assert done.returncode == 0, done.stderr
    return {"out": out, "args": args, "root": out / ".excolor" / "c.####.png"}


def test_a_finished_job_keeps_no_run_state(finished):
    assert list((finished["root"] / "states").iterdir()) == []
    assert len(list((finished["root"] / "done").iterdir())) == 24


def test_a_chunk_keeps_the_state_the_next_chunk_continues_from(tmp_path, lite_model_dir):
    pattern, frames = plate_sequence(tmp_path / "in", 8)
    reference = key(tmp_path / "key.png", frames[0])
    shots = tmp_path / "shots.json"
    shots.write_text(f'{{"shots": [{{"start": 1001, "end": 1008, "reference": "{reference}"}}]}}')
    out = tmp_path / "out"

    def chunk(frames_range):
        done = excolor("colorize", pattern, out / "c.####.png", "--shots", shots, "--model", lite_model_dir,
                       "--frames", frames_range)
        assert done.returncode == 0, done.stderr

    states = out / ".excolor" / "c.####.png" / "states"
    chunk("1001-1004")
    assert "shot000.k0.fwd.1004.npz" in {p.name for p in states.iterdir()}
    chunk("1005-1008")
    assert list(states.iterdir()) == []


def test_clean_removes_caches_and_keeps_records_and_user_files(finished, tmp_path):
    root, out = finished["root"], finished["out"]
    stray_state = root / "states" / "shot000.k0.fwd.1010.npz"
    stray_state.write_bytes(b"a state a killed render left")
    users = [out / "notes.txt", root / "notes.txt", root / "states" / "mine.txt"]
    for path in users:
        path.write_text("the user's")
    dry = excolor("clean", out / "c.####.png", "--dry-run")
    assert dry.returncode == 0 and str(stray_state) in dry.stdout and stray_state.exists()
    cleaned = excolor("clean", out / "c.####.png")
    assert cleaned.returncode == 0, cleaned.stderr
    assert "removed 1 file(s)" in cleaned.stderr and not stray_state.exists()
    assert all(path.read_text() == "the user's" for path in users)
    assert f"left {root / 'states' / 'mine.txt'}: not a file excolor writes there" in cleaned.stderr
    # The records stay: the same command knows the output is complete and its own.
    again = excolor(*finished["args"])
    assert again.returncode == 0 and "0 frame(s) written, 24 already done" in again.stderr
    everything = excolor("clean", out / "c.####.png", "--all")
    assert everything.returncode == 0, everything.stderr
    assert not (root / "fingerprint.json").exists() and not (root / "done").exists()
    assert all(path.read_text() == "the user's" for path in users)
    assert len(list(out.glob("c.*.png"))) == 24
    # Forgotten: the frames are plain files now, replaced only with --overwrite.
    refused = excolor(*finished["args"])
    assert refused.returncode == 5 and "--overwrite" in refused.stderr


def test_clean_of_some_shots_leaves_the_other_shots_states(finished):
    """A farm job of some shots of an OUTPUT that other jobs share: its cleanup frees only its
    own shots' run states, as other jobs' chunks may still continue from theirs."""
    root, out = finished["root"], finished["out"]
    states = {n: root / "states" / f"shot{n:03d}.k0.fwd.1010.npz" for n in (1, 2, 3, 12)}
    waiting = root / "waiting" / "shot002.k1.bwd.1004.npz"
    waiting.parent.mkdir(exist_ok=True)
    for path in [*states.values(), waiting]:
        path.write_bytes(b"a state")
    cleaned = excolor("clean", out / "c.####.png", "--shots", "2-3")
    assert cleaned.returncode == 0, cleaned.stderr
    assert [n for n, path in states.items() if path.exists()] == [1, 12] and not waiting.exists()
    assert (root / "fingerprint.json").exists()
    refused = excolor("clean", out / "c.####.png", "--shots", "2-3", "--all")
    assert refused.returncode == 2 and "--shots with --all" in refused.stderr
    backwards = excolor("clean", out / "c.####.png", "--shots", "3-2")
    assert backwards.returncode == 2 and "'3-2'" in backwards.stderr and states[1].exists()


def test_clean_removes_a_videos_cached_frames(tmp_path, lite_model_dir):
    video, frames = gray_video(tmp_path / "V.mp4")
    reference = key(tmp_path / "REF.png", frames[0])
    out = tmp_path / "o.mp4"
    done = excolor("colorize", video, out, "--reference", reference, "--model", lite_model_dir, "--frames", "0-9")
    assert done.returncode == 0, done.stderr
    cache = tmp_path / ".excolor" / "o.mp4" / "frames"
    assert len(list(cache.iterdir())) == 10  # kept for a chunk that adds to the video
    cleaned = excolor("clean", out)
    assert cleaned.returncode == 0 and list(cache.iterdir()) == [] and out.is_file()


def test_clean_help_teaches_what_goes_and_what_stays():
    shown = excolor("clean", "--help")
    assert shown.returncode == 0
    for words in ("run states", "What stays", "--all", "never touched", "excolor clean out/reel1.####.exr"):
        assert words in shown.stdout
