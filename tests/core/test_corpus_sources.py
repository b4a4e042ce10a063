"""Which recordings a corpus run covers, and where their outputs go (no network involved)."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import numpy as np
import pytest

from napari_deepss.corpus import find_recordings
from napari_deepss.corpus.outputs import corpus_root, plan_outputs
from napari_deepss.errors import FileFormatError


@pytest.fixture
def tree(bird_dir, tmp_path):
    """``top/a.wav``, ``top/sub/b.wav``, ``top/sub/deeper/c.npz``, a hidden folder, a model file and a note."""
    top = tmp_path / "top"
    (top / "sub" / "deeper").mkdir(parents=True)
    (top / ".hidden").mkdir()
    shutil.copy(bird_dir / "bird0_003.wav", top / "a.wav")
    shutil.copy(bird_dir / "bird0_005.wav", top / "sub" / "b.wav")
    np.savez(top / "sub" / "deeper" / "c.npz", data=np.zeros((100, 1), np.float32), samplerate=1000.0)
    shutil.copy(bird_dir / "bird0_007.wav", top / ".hidden" / "x.wav")
    (top / "sub" / "net_model.h5").write_bytes(b"\x89HDF\r\n\x1a\n not a recording")
    (top / "notes.md").write_text("not audio")
    return top


def _names(paths):
    return [p.name for p in paths]


def test_a_folder_gives_its_recordings_and_recursive_those_below(tree):
    assert _names(find_recordings([tree])) == ["a.wav"]
    assert _names(find_recordings([tree], recursive=True)) == ["a.wav", "b.wav", "c.npz"]  # no hidden, no model
    assert all(p.is_absolute() for p in find_recordings([tree], recursive=True))


def test_glob_patterns_files_and_duplicates(tree, monkeypatch):
    monkeypatch.chdir(tree)
    assert _names(find_recordings(["**/*.wav"])) == ["a.wav", "b.wav"]
    # a matched folder gives its recordings; the model file and the note are not recordings
    assert _names(find_recordings(["sub/*"])) == ["b.wav", "c.npz"]
    found = find_recordings(["sub/b.wav", "a.wav", "./sub/../sub/b.wav", str(tree / "a.wav")])
    assert found == [tree / "sub" / "b.wav", tree / "a.wav"]  # each once, in the order given


def test_a_list_file_names_sources_relative_to_itself(tree, tmp_path):
    listing = tree / "sub" / "todo.txt"
    listing.write_text("# recordings for tonight\n\nb.wav\n../a.wav\n  deeper/*.npz  \nmissing.wav\n")
    found = find_recordings([listing])
    assert found == [tree / "sub" / "b.wav", tree / "a.wav", tree / "sub" / "deeper" / "c.npz",
                     tree / "sub" / "missing.wav"]  # a missing entry stays: it fails alone, the rest go on
    nested = tmp_path / "nested.lst"
    nested.write_text(f"{listing}\n")
    with pytest.raises(FileFormatError, match="may not name another list"):
        find_recordings([nested])


def test_sources_that_match_nothing_are_named(tree, tmp_path):
    with pytest.raises(FileFormatError, match="no such file or folder") as err:
        find_recordings([tree / "a.wav", tree / "nothing.wav"])
    assert "nothing.wav" in str(err.value)
    with pytest.raises(FileFormatError, match="matches no recording"):
        find_recordings([str(tree / "*.flac")])
    (tmp_path / "empty").mkdir()
    with pytest.raises(FileFormatError, match="--recursive"):
        find_recordings([tmp_path / "empty"])
    with pytest.raises(FileFormatError, match="or below it"):
        find_recordings([tmp_path / "empty"], recursive=True)


def test_a_file_named_explicitly_is_kept_even_if_it_is_not_readable(tree):
    # it fails in the run with the reader's message, reported in the summary
    assert _names(find_recordings([tree / "notes.md", tree / "a.wav"])) == ["notes.md", "a.wav"]


def test_outputs_mirror_the_folders_below_the_corpus_root(tree, tmp_path):
    recordings = find_recordings([tree], recursive=True)
    assert corpus_root(recordings) == tree
    beside = plan_outputs(recordings, "_annotations.csv", None)
    assert [o.csv for o in beside] == [tree / "a_annotations.csv", tree / "sub" / "b_annotations.csv",
                                       tree / "sub" / "deeper" / "c_annotations.csv"]
    out = tmp_path / "out"
    elsewhere = plan_outputs(recordings, "_pred.csv", out)
    assert [o.csv for o in elsewhere] == [out / "a_pred.csv", out / "sub" / "b_pred.csv",
                                          out / "sub" / "deeper" / "c_pred.csv"]
    assert elsewhere[1].probabilities == out / "sub" / "b_probabilities.npy"
    assert elsewhere[1].record == out / "sub" / ".dss-predict" / "b_pred.csv.json"


def test_outputs_that_would_replace_each_other_or_a_recording_are_refused(tree):
    shutil.copy(tree / "a.wav", tree / "a.flac")
    with pytest.raises(FileFormatError, match="would replace the predictions of") as err:
        plan_outputs([tree / "a.wav", tree / "a.flac"], "_annotations.csv", None)
    assert "a_annotations.csv" in str(err.value)
    with pytest.raises(FileFormatError, match="would replace a recording"):  # never write over the audio
        plan_outputs([tree / "a.wav", tree / "a_x.wav"], "_x.wav", None)
    with pytest.raises(ValueError, match="--suffix"):
        plan_outputs([tree / "a.wav"], f"x{os.sep}y.csv", None)
    assert plan_outputs([Path(tree / "a.wav")], "_annotations.csv", None)[0].csv.parent == tree
