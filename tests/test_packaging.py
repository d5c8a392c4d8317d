"""The package's shape: one `excolor` namespace, a torch-free runtime, CI that runs the README."""
import os
import re
import subprocess
import sys
from pathlib import Path

import tomllib

ROOT = Path(__file__).resolve().parents[1]


def test_every_package_folder_is_listed_in_pyproject():
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
    mapping = config["package-dir"]
    listed = set(config["packages"])
    for package, folder in mapping.items():
        for init in (ROOT / folder).rglob("__init__.py"):
            relative = init.parent.relative_to(ROOT / folder).parts
            name = ".".join((package,) + relative)
            assert name in listed, f"{init.parent} is a package but {name} is not in pyproject's packages"


def test_ci_runs_the_readme_test_command_verbatim():
    readme = (ROOT / "README.md").read_text()
    match = re.search(r"<!-- test-command -->\n```\n(.+)\n```", readme)
    assert match, "README.md has no test command block"
    ci = (ROOT / ".ci" / "run").read_text()
    assert "<!-- test-command -->" in ci and 'bash -c "$test_command"' in ci


def test_runtime_imports_without_torch():
    # A real interpreter in which `import torch` fails: the runtime must not need it.
    code = (
        "import sys; sys.modules['torch'] = None\n"
        "import excolor, excolor.engine.models, excolor.cli\n"
        "excolor.cli.build_parser()\n"
        "assert 'torch' not in [m for m, v in sys.modules.items() if v is not None]\n"
        "print('ok')\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "ok"


def test_help_lists_every_subcommand():
    from excolor.cli import COMMANDS

    result = subprocess.run([sys.executable, "-m", "excolor", "--help"], capture_output=True, text=True)
    assert result.returncode == 0
    for name, _module in COMMANDS:
        assert name in result.stdout
        sub = subprocess.run([sys.executable, "-m", "excolor", name, "--help"], capture_output=True, text=True)
        assert sub.returncode == 0, sub.stderr
        assert len(sub.stdout.splitlines()) > 5, f"'excolor {name} --help' teaches too little"


def test_a_closed_output_pipe_ends_quietly():
    # `excolor info | head -0`: the pipe's reader is gone before excolor writes (closed before
    # the child starts, so the write fails every time, whatever the scheduling).
    read_end, write_end = os.pipe()
    os.close(read_end)
    try:
        process = subprocess.Popen([sys.executable, "-m", "excolor", "info"], stdout=write_end,
                                   stderr=subprocess.PIPE, text=True)
    finally:
        os.close(write_end)
    stderr = process.stderr.read()
    assert process.wait(timeout=60) == 141, stderr
    assert stderr == ""
