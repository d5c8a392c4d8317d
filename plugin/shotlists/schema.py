"""The shot list's structure, as a published JSON Schema, and its problems in a user's words.

The schema (`SCHEMA_PATH`, shipped in the package as excolor/schemas/shots.schema.json) is what
editors and pipeline tools can check a SHOTS.json against; `structure_problem` checks with it
(the jsonschema library) and turns the first problem into a sentence that names the shot, the
keyframe and the field, rather than a schema path.
"""
import difflib
import json
from pathlib import Path

from jsonschema import Draft202012Validator, validators

SCHEMA_PATH = Path(__file__).resolve().parents[1] / "schemas" / "shots.schema.json"


# What a reference's frame may be, in a message (the schema's "pinning").
_PINNING = 'a whole frame number (pinned), null or absent (found by the render) or "none" (never pinned)'


def _whole_number(_checker, instance):
    # JSON Schema counts 1001.0 as an integer; a frame number written so is a mistake.
    return isinstance(instance, int) and not isinstance(instance, bool)


_Validator = validators.extend(
    Draft202012Validator, type_checker=Draft202012Validator.TYPE_CHECKER.redefine("integer", _whole_number))
_VALIDATOR = _Validator(json.loads(SCHEMA_PATH.read_text()))


def structure_problem(data):
    """None when `data` (a parsed shot list) follows the schema, else (shot number or None,
    what is wrong): the first problem in file order."""
    errors = list(_VALIDATOR.iter_errors(data))
    if not errors:
        return None
    error = min(errors, key=_file_order)
    while error.validator == "anyOf" and isinstance(error.instance, list):
        deeper = [e for e in error.context if len(e.absolute_path) > len(error.absolute_path)]
        if not deeper:
            break
        error = min(deeper, key=_file_order)
    path = list(error.absolute_path)
    if len(path) < 2:
        return None, _top_level(error, path)
    return path[1] + 1, _in_shot(error, path[2:])


def _file_order(error):
    path = list(error.absolute_path)
    # Shots in file order; within one object an unknown field first (a typo also reads as a
    # missing field, and the typo is what to fix).
    return (len(path) > 1, path[1] if len(path) > 1 else 0, len(path), error.validator != "additionalProperties")


def _top_level(error, path):
    if not path and error.validator == "additionalProperties":
        return f"unknown field(s) {_unknown(error)} at the top level; known: shots"
    if path and error.validator == "minItems":
        return "the shot list is empty"
    return 'expected {"shots": [...]} at the top level'


def _in_shot(error, rest):
    value = error.instance
    if not rest:
        return _object_problem(error, "expected an object with start, end and reference")
    field = rest[0]
    if field in ("start", "end"):
        return f"'{field}' must be a whole frame number, got {value!r}"
    if field == "reference_frame":
        return f"'reference_frame' must be {_PINNING}, got {value!r}"
    if field == "name":
        return f"'name' must be text, got {value!r}"
    if len(rest) == 1:  # the reference itself
        if value == "":
            return ('"reference" is empty: give the image that colours this shot, e.g. '
                    '"reference": "key.png" (a path relative to the shot list)')
        if value == []:
            return '"reference" is an empty list: give each keyframe as {"image": "key.png", "frame": N}'
        return f'reference must be a path, or a list of {{"image", "frame"}}, got {value!r}'
    where = f"keyframe {rest[1] + 1}"
    if len(rest) == 2:
        problem = _object_problem(error, f'must be {{"image": "key.png", "frame": N}}, got {value!r}')
        return f"{where}: {problem}"
    if rest[2] == "frame":
        return f"{where}: 'frame' must be {_PINNING}, got {value!r}"
    if value == "":
        return f"{where}: 'image' is empty; give the keyframe's image file"
    return f"{where}: 'image' must be a path to an image, got {value!r}"


def _object_problem(error, otherwise):
    if error.validator == "additionalProperties":
        return f"unknown field(s) {_unknown(error)}; known: {', '.join(error.schema['properties'])}"
    if error.validator == "required":
        missing = [field for field in error.validator_value if field not in error.instance]
        return f"missing '{missing[0]}'"
    return otherwise


def _unknown(error):
    known = list(error.schema.get("properties", {}))
    words = []
    for field in sorted(str(field) for field in error.instance if field not in known):
        near = difflib.get_close_matches(field, known, n=1)
        words.append(f"'{field}'" + (f" (did you mean '{near[0]}'?)" if near else ""))
    return ", ".join(words)
