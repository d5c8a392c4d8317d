"""The node's helper graphs ship as files: they equal their definitions byte for byte, the runtime
runs them without the `onnx` package, and the converter's luma weights reach the colour graphs."""
import subprocess
import sys

import numpy as np
import pytest
import skimage.data
from excolor.colour.management import ColourConverter
from excolor.colour.upsample import UpsampleSettings
from excolor.colour.work_graphs import GraphColourWork
from excolor.errors import UsageError
from excolor.export.helper_graphs import shipped_graphs
from excolor.ort.sessions import GRAPHS_DIR, MAX_RADIUS


def test_shipped_files_equal_their_definitions_byte_for_byte():
    expected = shipped_graphs()  # onnx's full checker runs on each
    shipped = {path.name: path.read_bytes() for path in GRAPHS_DIR.glob("*.onnx")}
    assert sorted(shipped) == sorted(expected), "run: python -m excolor.export.helper_graphs"
    stale = [name for name in expected if shipped[name] != expected[name]]
    assert not stale, f"{stale} differ from excolor.export.helper_graphs: run python -m excolor.export.helper_graphs"
    # The check runs where torch cannot be imported: the helper graphs need onnx, never torch.
    without_torch = ("import runpy, sys; sys.modules['torch'] = None; sys.argv[1:] = ['--check']; "
                     "runpy.run_module('excolor.export.helper_graphs', run_name='__main__')")
    check = subprocess.run([sys.executable, "-c", without_torch], capture_output=True, text=True)
    assert check.returncode == 0, check.stdout + check.stderr


def test_the_runtime_runs_every_helper_graph_without_onnx():
    # A real interpreter in which `import onnx` and `import ml_dtypes` fail.
    code = (
        "import sys; sys.modules['onnx'] = None; sys.modules['ml_dtypes'] = None\n"
        "import numpy as np\n"
        "from excolor.colour.upsample import GuidedChromaUpsampler, UpsampleSettings\n"
        "from excolor.colour.work_graphs import GraphColourWork\n"
        "from excolor.colour.management import ColourConverter\n"
        "from excolor.ort.sessions import graph_session, run_session\n"
        "for radius in (1, 8):\n"
        "    out = GuidedChromaUpsampler(settings=UpsampleSettings(radius=radius))(\n"
        "        np.full((9, 7), 50, np.float32), np.full((3, 2), 50, np.float32), np.ones((2, 3, 2), np.float32))\n"
        "    assert out.shape == (2, 9, 7)\n"
        "work = GraphColourWork(ColourConverter())\n"
        "plate, l_low = work.lightness(np.full((8, 6, 3), 0.5, np.float32), 4, 3)\n"
        "image, matte = work.finish(plate, l_low, np.zeros((2, 4, 3), np.float32), np.ones((4, 3), np.float32))\n"
        "assert image.shape == (8, 6, 3) and matte.shape == (8, 6)\n"
        "(lab,) = run_session(graph_session('previous_lab', ['CPUExecutionProvider']),\n"
        "    {'l': np.zeros((1, 1, 2, 2), np.float32), 'ab': np.ones((1, 2, 2, 2), np.float32)}, ('lab',))\n"
        "assert lab.shape == (1, 3, 2, 2)\n"
        "assert 'onnx' not in [m for m, v in sys.modules.items() if v is not None]\n"
        "print('ok')\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "ok"


@pytest.mark.parametrize("display_referred", [True, False])
def test_the_converters_own_luma_weights_reach_the_colour_graphs(display_referred):
    # Rec. 601 weights, not the placeholder Rec. 709 ones in the files: the recombine keeps the
    # plate's luma under the converter's weights, which it could not with the placeholder.
    converter = ColourConverter()
    converter.display_referred = display_referred
    converter.luma_coefficients = np.array([0.299, 0.587, 0.114])
    plate = skimage.data.astronaut()[::4, ::4].astype(np.float32) / 255
    low = (64, 64)
    work = GraphColourWork(converter)
    on_device, l_low = work.lightness(plate, *low)
    ab_low = np.stack([np.full(low, 30.0), np.full(low, -20.0)]).astype(np.float32)
    image, _ = work.finish(on_device, l_low, ab_low, np.ones(low, np.float32))
    weights = converter.luma_coefficients
    np.testing.assert_allclose(image @ weights, plate @ weights, atol=2e-6)
    assert np.abs((image - plate) @ np.array([0.2126, 0.7152, 0.0722])).max() > 1e-3


def test_radius_is_one_of_the_shipped_graphs():
    with pytest.raises(UsageError, match=f"1..{MAX_RADIUS}"):
        UpsampleSettings(radius=MAX_RADIUS + 1)
    assert UpsampleSettings().radius_for((4000, 4000)) == MAX_RADIUS
