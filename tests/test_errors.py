"""Exit codes are defined once, on the error classes, and `excolor --help` lists exactly them."""
import re
import subprocess
import sys

from excolor import errors


def every_error_class():
    found, pending = [], [errors.ExcolorError]
    while pending:
        cls = pending.pop()
        found.append(cls)
        pending.extend(cls.__subclasses__())
    return found


def listed_codes(text):
    return {int(code) for code in re.findall(r"^  (\d+) ", text, flags=re.MULTILINE)}


def test_help_lists_the_exit_code_of_every_error_class_and_nothing_else():
    shown = subprocess.run([sys.executable, "-m", "excolor", "--help"], capture_output=True, text=True,
                           check=True).stdout
    expected = {cls.exit_code for cls in every_error_class()} | {0, 130, 141}
    assert listed_codes(shown) == expected
    for command in ("colorize", "shots", "farm"):
        text = subprocess.run([sys.executable, "-m", "excolor", command, "--help"], capture_output=True,
                              text=True, check=True).stdout
        assert listed_codes(text) == expected, command


def test_every_code_has_a_meaning_and_codes_sharing_one_share_its_line():
    text = errors.exit_code_help()
    for cls in every_error_class():
        if "exit_meaning" in vars(cls):
            assert " ".join(cls.exit_meaning.split()[:4]) in " ".join(text.split()), cls.__name__
    line_of_4 = " ".join(text.split("  4    ")[1].split("  5    ")[0].split())
    assert "model not found" in line_of_4 and "execution provider" in line_of_4
