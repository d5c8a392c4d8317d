"""The package face: `import excolor` stays light, and the node API is importable from it."""
import subprocess
import sys

import excolor


def test_import_excolor_loads_neither_the_engine_nor_onnxruntime_nor_torch():
    probe = ("import sys, excolor; "
             "print(sorted(m for m in ('excolor.engine.node', 'onnxruntime', 'torch', 'cv2') if m in sys.modules))")
    loaded = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True).stdout
    assert loaded.strip() == "[]"


def test_the_node_api_is_importable_from_the_face():
    from excolor import ColorizeNode, FrameResult, FusionSettings, Keyframe, NodeTuning, Shot
    from excolor.engine.node import ColorizeNode as defined

    assert ColorizeNode is defined
    shot = Shot(1, 3, keyframes=[Keyframe("key.png", frame=2)])
    assert shot.keyframes[0].frame == 2 and shot.anchor(0) == 2
    assert NodeTuning().threads is None and FusionSettings().rule == "learned"
    assert FrameResult.__dataclass_fields__.keys() >= {"frame", "image", "confidence"}
    assert set(excolor.__all__) >= {"ColorizeNode", "Shot", "Keyframe", "ExcolorError"}


def test_an_unknown_name_is_an_attribute_error():
    try:
        excolor.NoSuchThing
    except AttributeError as error:
        assert "NoSuchThing" in str(error)
    else:
        raise AssertionError("excolor.NoSuchThing did not raise")
