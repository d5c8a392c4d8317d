"""The `plate` fixture of the `excolor colorize` command tests: four real frames (1001-1004) as
an 8-bit PNG sequence, in/plate.####.png, and a colour reference, key.png (import it into a test
module to use it)."""
import pytest

from tests.support.batch import carphone_frames, write_reference, write_sequence


@pytest.fixture()
def plate(tmp_path):
    """(INPUT pattern, reference path)."""
    frames = carphone_frames(count=4)
    pattern = write_sequence(tmp_path / "in" / "plate.####.png", frames, first=1001)
    reference = write_reference(tmp_path / "key.png", frames[0])
    return pattern, reference
