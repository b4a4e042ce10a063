"""make_dataset from several data folders, or a folder searched recursively (issue 13 item 6)."""

from __future__ import annotations

import shutil

import numpy as np
import pytest

from napari_deepss.audio import load_audio, save_wav
from napari_deepss.cli import main
from napari_deepss.dataset import make_dataset, read_attrs
from napari_deepss.errors import FileFormatError
from recordings import BIRD_FILES, copy_recordings


@pytest.fixture
def rounds(bird_dir, tmp_path):
    """Annotation rounds in sub-folders of one project folder: round1/ (two files) and round2/later/ (two files)."""
    project = tmp_path / "project"
    copy_recordings(bird_dir, project / "round1", BIRD_FILES[:2])
    copy_recordings(bird_dir, project / "round2" / "later", BIRD_FILES[2:])
    return project


def test_several_folders_make_one_dataset(rounds, tmp_path):
    folders = [rounds / "round1", rounds / "round2" / "later"]
    summary = make_dataset(folders, tmp_path / "both.npy", seed=0)
    assert summary.recordings == list(BIRD_FILES)
    attrs = read_attrs(summary.store_folder)
    assert sorted(attrs["data_splits"]) == list(BIRD_FILES)
    assert attrs["data_folder"] == [str(f) for f in folders]
    single = make_dataset(rounds / "round1", tmp_path / "one.npy", seed=0)
    assert read_attrs(single.store_folder)["data_folder"] == str(rounds / "round1")  # one folder: a string, as DeepSS


def test_a_folder_searched_recursively_finds_every_round(rounds, tmp_path):
    with pytest.raises(FileFormatError, match="search the sub-folders too"):
        make_dataset(rounds, tmp_path / "flat.npy")
    summary = make_dataset(rounds, tmp_path / "all.npy", recursive=True, seed=0)
    assert summary.recordings == list(BIRD_FILES)
    listed = make_dataset([rounds / "round1", rounds / "round2"], tmp_path / "listed.npy", recursive=True, seed=0)
    for key in ("x", "y"):
        assert np.array_equal(np.load(summary.store_folder / "train" / f"{key}.npy"),
                              np.load(listed.store_folder / "train" / f"{key}.npy"))


def test_one_stem_in_two_folders_is_an_error_naming_both(rounds, tmp_path):
    clash = rounds / "round2" / f"{BIRD_FILES[0]}.wav"
    shutil.copy(rounds / "round1" / f"{BIRD_FILES[0]}.wav", clash)
    shutil.copy(rounds / "round1" / f"{BIRD_FILES[0]}_annotations.csv", rounds / "round2")
    with pytest.raises(FileFormatError, match="share a stem") as err:
        make_dataset(rounds, tmp_path / "x.npy", recursive=True)
    assert str(clash) in str(err.value) and str(rounds / "round1" / f"{BIRD_FILES[0]}.wav") in str(err.value)
    assert not (tmp_path / "x.npy").exists()


def test_a_folder_given_twice_or_inside_another_counts_each_recording_once(rounds, tmp_path):
    summary = make_dataset([rounds, rounds / "round1"], tmp_path / "x.npy", recursive=True, seed=0)
    assert summary.recordings == list(BIRD_FILES)


def test_rates_are_checked_over_all_folders(rounds, tmp_path):
    slow = rounds / "round2" / "later" / f"{BIRD_FILES[3]}.wav"
    audio, rate = load_audio(slow)
    save_wav(slow, audio[::2], rate / 2)
    summary = make_dataset([rounds / "round1", rounds / "round2"], tmp_path / "x.npy", recursive=True, seed=0)
    attrs = read_attrs(summary.store_folder)
    assert attrs["samplerate_x_Hz"] == rate
    assert max(stop for r in attrs["data_splits"][BIRD_FILES[3]].values() for _, stop in r) == 2 * len(audio[::2])


def test_several_folders_need_a_store_folder(rounds):
    with pytest.raises(ValueError, match="choose the store folder"):
        make_dataset([rounds / "round1", rounds / "round2"], recursive=True)


def test_the_command_line_takes_several_folders_and_recursive(rounds, tmp_path, capsys):
    store = tmp_path / "cli.npy"
    assert main(["make-dataset", str(rounds / "round1"), str(rounds / "round2"), "--recursive",
                 "--store-folder", str(store), "--seed", "0"]) == 0
    assert sorted(read_attrs(store)["data_splits"]) == list(BIRD_FILES)
    assert main(["make-dataset", str(rounds / "round1"), str(rounds / "round2"), "--store-folder",
                 str(tmp_path / "flat.npy")]) == 2  # round2 itself holds no recording, only its sub-folder
    assert f"{rounds / 'round2'}: no recordings in this data folder; search the sub-folders too?" in capsys.readouterr().err
