"""Dataset reader: a split as spectrogram, targets as annotations and recording pieces."""

from __future__ import annotations

import shutil

import numpy as np
import pytest
from recordings import BIRD_FILES, copy_recordings

from napari_deepss._napari._dataset_reader import get_dataset_reader, targets_as_annotations
from napari_deepss.annotations import read_annotations
from napari_deepss.dataset import make_dataset, open_split, read_attrs, split_pieces

@pytest.fixture
def bird_folder(bird_dir, tmp_path):
    return copy_recordings(bird_dir, tmp_path / "bird", BIRD_FILES[:2])

@pytest.fixture
def fly_store(fly_dir, tmp_path):
    return make_dataset(shutil.copytree(fly_dir, tmp_path / "fly"), event_std_seconds=0.002).store_folder

def test_only_complete_dataset_folders_and_their_splits_are_read(fly_store, tmp_path):
    assert get_dataset_reader(str(fly_store)) is not None
    assert get_dataset_reader(str(fly_store / "val")) is not None
    assert get_dataset_reader(str(fly_store / "train" / "x.npy")) is None
    assert get_dataset_reader(str(tmp_path / "fly")) is None
    unfinished = tmp_path / "unfinished.npy"
    shutil.copytree(fly_store, unfinished)
    (unfinished / "attrs.npy").unlink()  # what an interrupted build would leave
    assert get_dataset_reader(str(unfinished)) is None
    assert get_dataset_reader(str(unfinished / "train")) is None

def test_event_targets_turn_back_into_the_annotated_pulses(fly_store, fly_wav):
    attrs = read_attrs(fly_store)
    truth = read_annotations(fly_wav.with_name(f"{fly_wav.stem}_annotations.csv")).events()["pulse"]
    found = []
    for split in ("train", "val", "test"):
        y = open_split(fly_store, split)["y"]
        offset = 0
        table = targets_as_annotations(y, attrs["class_names"], attrs["class_types"], attrs["samplerate_y_Hz"])
        for _, start, stop in split_pieces(attrs, split):
            times = table.events()["pulse"]
            inside = (times >= offset / 2500) & (times < (offset + stop - start) / 2500)
            found.append(times[inside] - offset / 2500 + start / 2500)
            offset += stop - start
    found = np.sort(np.concatenate(found))
    # pulses within a few samples of a piece edge lose their peak to the cut; all others come back exactly
    assert len(truth) - 3 <= len(found) <= len(truth)
    nearest = np.abs(found[:, np.newaxis] - truth[np.newaxis, :]).min(axis=1)
    assert nearest.max() < 0.5 / 2500

def test_opening_a_dataset_shows_the_train_split(make_napari_viewer, bird_folder):
    store = make_dataset(bird_folder, gap_seconds=0.002, seed=0).store_folder
    viewer = make_napari_viewer()
    layers = viewer.open(store, plugin="napari-deepss")
    image, _, targets, events, pieces = layers
    attrs = read_attrs(store)
    n_train = len(open_split(store, "train")["x"])
    assert image.name == "bird train" and image.metadata["split"] == "train"
    assert image.metadata["duration_seconds"] == pytest.approx(n_train / 32000)
    assert not image.metadata["samples"].flags.owndata  # a view of the memory map, not read into memory
    assert set(targets.features["name"]) <= set(attrs["class_names"][1:])
    assert np.all(targets.features["stop_seconds"] <= n_train / 32000)
    # every annotated syllable of the train pieces is one box (the gap keeps touching syllables apart)
    expected = 0
    for recording, start, stop in split_pieces(attrs, "train"):
        table = read_annotations(bird_folder / f"{recording}_annotations.csv")
        on, off = table.start_seconds * 32000, table.stop_seconds * 32000
        expected += int(np.sum((on >= start + 64) & (off < stop - 64)))
    assert expected - 2 * len(split_pieces(attrs, "train")) <= len(targets.data) <= expected + 2 * len(split_pieces(attrs, "train"))
    assert len(events.data) == 0
    assert list(pieces.features["recording"]) == [r for r, _, _ in split_pieces(attrs, "train")]

def test_a_split_folder_opens_that_split(make_napari_viewer, fly_store):
    viewer = make_napari_viewer()
    image, _, segments, events, pieces = viewer.open(fly_store / "test", plugin="napari-deepss")
    assert image.name == "fly test"
    assert image.metadata["duration_seconds"] == pytest.approx(len(open_split(fly_store, "test")["x"]) / 2500)
    assert len(segments.data) == 0 and set(events.features["name"]) == {"pulse"} and len(pieces.data) == 1

def test_a_dataset_made_by_deepss_opens_with_its_targets_and_its_recording(make_napari_viewer, fly_wav):
    """DeepSS 0.32's own dataset (numpy 1 pickle, DeepSS's attrs): each split shows the true pulses of its piece."""
    from deepss_fixtures import DATASET

    viewer = make_napari_viewer()
    truth = read_annotations(fly_wav.with_name(f"{fly_wav.stem}_annotations.csv")).events()["pulse"]
    attrs = read_attrs(DATASET)
    for split in ("train", "test"):
        image, _waveform, segments, events, pieces = viewer.open(DATASET / split, plugin="napari-deepss")
        ((_, start, stop),) = split_pieces(attrs, split)
        assert image.name == f"deepss_dataset {split}" and image.metadata["duration_seconds"] == (stop - start) / 2500
        assert list(pieces.features["recording"]) == ["20190122T093303a-7"]
        assert pieces.features["start_seconds"][0] == start / 2500
        found = np.sort(events.data[:, 1]) + start / 2500  # events are drawn at their time on axis 1
        expected = truth[(truth >= start / 2500 + 0.004) & (truth < stop / 2500 - 0.004)]
        assert len(segments.data) == 0 and len(found) >= len(expected) > 5
        assert np.abs(found[:, np.newaxis] - expected[np.newaxis, :]).min(axis=0).max() < 1 / 2500
