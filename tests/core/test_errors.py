"""FileFormatError: one message naming file and problem, usable wherever a ValueError is caught."""

from __future__ import annotations

import pickle
from pathlib import Path

from napari_deepss.errors import FileFormatError


def test_message_names_the_file_and_the_problem():
    error = FileFormatError(Path("data") / "rec.wav", "no samples")
    assert str(error) == f"{Path('data') / 'rec.wav'}: no samples"
    assert (error.path, error.problem) == (str(Path("data") / "rec.wav"), "no samples")
    assert isinstance(error, ValueError)


def test_survives_pickling_to_a_worker_process_and_back():
    error = pickle.loads(pickle.dumps(FileFormatError("rec.csv", "line 3: stop before start")))
    assert isinstance(error, FileFormatError)
    assert (error.path, error.problem, str(error)) == ("rec.csv", "line 3: stop before start", "rec.csv: line 3: stop before start")
