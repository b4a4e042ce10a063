"""Shared fixtures: paths to the real annotated recordings beside the repository."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
# The recordings live in ../shared/data next to the clone; DEEPSS_TEST_DATA overrides.
DATA = Path(os.environ.get("DEEPSS_TEST_DATA", REPO.parent / "shared" / "data"))
BIRD_DIR = DATA / "bengalese_finch_bird0"
FLY_DIR = DATA / "fly_pulse"


def _require(path: Path) -> Path:
    if not path.exists():
        pytest.fail(f"test data missing: {path} (set DEEPSS_TEST_DATA to the shared data folder)")
    return path


@pytest.fixture(scope="session")
def bird_dir() -> Path:
    return _require(BIRD_DIR)


@pytest.fixture(scope="session")
def fly_dir() -> Path:
    return _require(FLY_DIR)


@pytest.fixture(scope="session")
def bird_wav(bird_dir) -> Path:
    return bird_dir / "bird0_000.wav"


@pytest.fixture(scope="session")
def fly_wav(fly_dir) -> Path:
    return next(iter(sorted(fly_dir.glob("*.wav"))))


# --- TensorFlow and OpenGL never share a process ------------------------------
# TensorFlow loads its libraries with RTLD_GLOBAL; once it is imported, Mesa's
# OpenGL (napari's canvas under Xvfb) crashes the process. Tests that use a Qt
# viewer are marked ``gui`` and run in their own pytest process
# (scripts/test.sh runs ``-m gui`` and ``-m "not gui"`` one after the other).
GUI_FIXTURES = {"make_napari_viewer", "make_napari_viewer_proxy", "qtbot"}


def pytest_ignore_collect(collection_path, config):
    """In the ``-m gui`` run, skip importing test files that use no viewer.

    Importing them could load TensorFlow (e.g. ``import keras`` at the top of
    a model test) before any GUI test runs.
    """
    if config.option.markexpr != "gui" or collection_path.suffix != ".py" or not collection_path.name.startswith("test_"):
        return None
    text = collection_path.read_text(encoding="utf-8")
    return True if not any(name in text for name in GUI_FIXTURES) else None


def pytest_collection_modifyitems(config, items):
    gui, other = [], []
    for item in items:
        if GUI_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.gui)
            gui.append(item)
        else:
            other.append(item)
    # Non-GUI tests first: should one import TensorFlow, the GUI tests after it
    # fail with the message below instead of crashing the whole run.
    items[:] = other + gui


@pytest.fixture(autouse=True)
def _keep_tensorflow_out_of_gui_tests(request):
    if request.node.get_closest_marker("gui") is None:
        yield
        return
    if "tensorflow" in sys.modules:
        pytest.fail(
            "TensorFlow is loaded in this test process, and OpenGL would crash beside it: "
            "run the GUI tests on their own with `pytest -m gui` (scripts/test.sh does)."
        )
    yield
    if "tensorflow" in sys.modules:
        pytest.fail("this GUI test imported TensorFlow; run TensorFlow work in a child process instead")
