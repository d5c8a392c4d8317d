"""Write a constraints file (one `name==version` a line) from pip's installation report.

    python3.X -m pip install --dry-run --ignore-installed --report report.json "excolor[farm] @ ."
    python constraints/from_report.py report.json 3.X > constraints/py3.X.txt

A farm image then installs `pip install -c constraints/py3.X.txt "excolor[farm]"`: the same
ONNX Runtime, numpy and OpenCV on every node of one Python (docs/install.md). excolor itself is
left out: the constraints pin what it depends on, not which excolor is installed.
"""
import json
import sys


def constraints(report, python):
    """The constraints file's text for a pip report (dict) resolved by Python `python`."""
    pins = sorted((item["metadata"]["name"], item["metadata"]["version"]) for item in report["install"]
                  if item["metadata"]["name"].lower() != "excolor")
    lines = [f"# excolor[farm] on Python {python}: every package pip resolved (constraints/from_report.py)."]
    lines += [f"{name}=={version}" for name, version in sorted(pins, key=lambda pin: pin[0].lower())]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    with open(sys.argv[1]) as handle:
        sys.stdout.write(constraints(json.load(handle), sys.argv[2]))
