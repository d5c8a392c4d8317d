"""Progress a farm can read: plain percentage lines when stderr is not a terminal, and inside
an Open Job Description session the `openjd_progress:` / `openjd_status:` lines that the
session itself (openjd-sessions, what `openjd run` and Deadline Cloud's workers use) parses
into the task's progress, checked through the session's own status callback."""
import sys
import time

import pytest
from excolor.render.progress import OPENJD_SESSION, LineProgress, informing, progress_bar, quiet_lines

from tests.support.farm import make_clip


def test_plain_lines_at_each_whole_percent_when_not_a_terminal(capsys, monkeypatch):
    monkeypatch.delenv(OPENJD_SESSION, raising=False)
    progress = progress_bar(3, "colorizing")  # pytest's stderr is not a terminal
    assert isinstance(progress, LineProgress)
    for _ in range(3):
        progress.update(1)
    progress.close()
    assert capsys.readouterr().err.splitlines() == [
        "colorizing: 0% (0/3 frames)", "colorizing: 33% (1/3 frames)", "colorizing: 66% (2/3 frames)",
        "colorizing: 100% (3/3 frames)"]
    assert progress_bar(0, "colorizing") is None


def test_a_line_per_tenth_however_many_frames(capsys, monkeypatch):
    monkeypatch.delenv(OPENJD_SESSION, raising=False)
    progress = progress_bar(1000, "finding cuts")
    for _ in range(1000):
        progress.update(1)
    assert capsys.readouterr().err.splitlines() == [
        f"finding cuts: {percent}% ({10 * percent}/1000 frames)" for percent in range(0, 101, 10)]


def test_quiet_has_no_progress(capsys, monkeypatch):
    monkeypatch.delenv(OPENJD_SESSION, raising=False)
    with quiet_lines():
        assert progress_bar(1000, "colorizing") is None and not informing()
    assert informing() and progress_bar(1000, "colorizing") is not None


@pytest.mark.slow
def test_an_openjd_session_parses_the_progress(tmp_path, lite_model_dir):
    from openjd.model import create_job, decode_job_template
    from openjd.sessions import ActionState, Session, SessionState

    clip = make_clip(tmp_path / "clip")
    template = decode_job_template(template={
        "specificationVersion": "jobtemplate-2023-09", "name": "progress",
        "steps": [{"name": "chunk", "script": {"actions": {"onRun": {
            "command": sys.executable,
            "args": ["-m", "excolor", "colorize", str(clip["pattern"]), str(tmp_path / "out" / "c.####.png"),
                     "--shots", str(clip["shots"]), "--model", str(lite_model_dir), "--frames", "1011-1014"]}}}}]})
    job = create_job(job_template=template, job_parameter_values={})
    statuses = []
    with Session(session_id="progress", job_parameter_values={},
                 callback=lambda _session, status: statuses.append(status)) as session:
        session.run_task(step_script=job.steps[0].script, task_parameter_values={})
        deadline = time.monotonic() + 300
        while session.state == SessionState.RUNNING and time.monotonic() < deadline:
            time.sleep(0.1)
    assert statuses[-1].state == ActionState.SUCCESS, statuses[-1]
    reported = [(status.progress, status.status_message) for status in statuses]
    progress = [value for value, _message in reported if value is not None]
    assert progress == sorted(progress) and progress[0] == 0.0 and progress[-1] == 100.0
    assert 50.0 in progress
    messages = [message for _value, message in reported if message]
    assert messages[0] == "colorizing 4 frame(s)" and messages[-1] == "colorizing: done, 4 frame(s)"
