"""Ctrl-C while the `excolor` script loads its entry point (excolor.cli:main), before main()
can take charge of it: exit 130 and the one line `excolor: interrupted`, never a traceback.

Each case is the installed `excolor` script, sent a real SIGINT the moment the interpreter
reports (PYTHONPROFILEIMPORTTIME) that a module of that import is in; the child is stopped
while the signal is sent, so it lands where the line says, not some time later."""
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

# Modules whose import completes while excolor (the package face) or excolor.cli loads, in order;
# the last is excolor.cli itself (the signal then lands between the import and main()).
MOMENTS = ("excolor.errors", "gettext", "logging", "signal", "excolor.cli")


def start_script(*args):
    """The `excolor` console script, SIGINT at its default (see tests.support.batch.start_excolor)."""
    script = Path(sys.executable).with_name("excolor")
    env = dict(os.environ, PYTHONPROFILEIMPORTTIME="1")
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        return subprocess.Popen([str(script), *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                env=env)
    finally:
        signal.signal(signal.SIGINT, previous)


@pytest.mark.parametrize("module", MOMENTS)
@pytest.mark.parametrize("attempt", range(2))
def test_ctrl_c_while_the_entry_point_loads_is_one_line_and_130(tmp_path, module, attempt):
    child = start_script("info", "--json")
    for line in child.stderr:
        if line.rpartition("|")[2].strip() == module:
            child.send_signal(signal.SIGSTOP)
            child.send_signal(signal.SIGINT)
            child.send_signal(signal.SIGCONT)
            break
    else:
        pytest.fail(f"{module} was not imported (exit {child.wait()})")
    _stdout, rest = child.communicate(timeout=120)
    lines = [line for line in rest.splitlines() if not line.startswith("import time:")]
    assert (child.returncode, lines) == (130, ["excolor: interrupted"]), rest[-3000:]
