"""Shared fixtures: paths to the real annotated recordings beside the repository.

Tests live in two folders that run as two pytest processes (``scripts/test.sh``):
``core/`` (no Qt, no napari; TensorFlow allowed) and ``napari/`` (viewers and
widgets; TensorFlow never loaded, see ``napari/conftest.py``).
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

TESTS = Path(__file__).resolve().parent
REPO = TESTS.parent
# The recordings live in ../shared/data next to the clone; DEEPSS_TEST_DATA overrides.
DATA = Path(os.environ.get("DEEPSS_TEST_DATA", REPO.parent / "shared" / "data"))
BIRD_DIR = DATA / "bengalese_finch_bird0"
FLY_DIR = DATA / "fly_pulse"


def _require(path: Path) -> Path:
    if not path.exists():
        pytest.fail(f"test data missing: {path} (set DEEPSS_TEST_DATA to the shared data folder)")
    return path


@pytest.fixture(scope="session", autouse=True)
def _own_display_settings(tmp_path_factory):
    """Tests never read or write the user's remembered display settings (they start from the defaults)."""
    os.environ["NAPARI_DEEPSS_CONFIG_DIR"] = str(tmp_path_factory.mktemp("config"))


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


def pytest_collection_modifyitems(config, items):
    """Refuse a run that mixes the two folders: TensorFlow and napari's OpenGL crash in one process."""
    folders = {Path(item.path).relative_to(TESTS).parts[0] for item in items if TESTS in Path(item.path).parents}
    if {"core", "napari"} <= folders:
        raise pytest.UsageError(
            "tests/core and tests/napari run in separate processes (TensorFlow and napari's OpenGL crash in one): "
            "run `pytest tests/core` and `pytest tests/napari`, or `bash scripts/test.sh`"
        )
