"""Make dataset dock widget: form = core options, worker run, notifications, button state."""

from __future__ import annotations

import shutil
import threading

import numpy as np
import pytest
from recordings import BIRD_FILES, copy_recordings

from napari_deepss._napari.widgets import _job
from napari_deepss._napari.widgets import make_dataset as widget_module
from napari_deepss.audio import load_audio
from napari_deepss.dataset import DatasetOptions, open_split, read_attrs


@pytest.fixture
def messages(monkeypatch):
    shown = {"info": [], "error": []}
    monkeypatch.setattr(widget_module, "show_info", shown["info"].append)
    monkeypatch.setattr(widget_module, "show_error", shown["error"].append)
    monkeypatch.setattr(_job, "show_error", shown["error"].append)  # a failed job's notification
    return shown


@pytest.fixture
def viewer(make_napari_viewer):
    return make_napari_viewer()


@pytest.fixture
def widget(viewer):
    _, dock_widget = viewer.window.add_plugin_dock_widget("napari-deepss", "Make dataset")
    return dock_widget


@pytest.fixture
def fly_folder(fly_dir, tmp_path):
    return shutil.copytree(fly_dir, tmp_path / "fly")


@pytest.fixture
def bird_folder(bird_dir, tmp_path):
    return copy_recordings(bird_dir, tmp_path / "bird", BIRD_FILES)


def run_and_wait(widget, qtbot):
    widget.run_button.clicked()
    assert not widget.run_button.enabled and widget.cancel_button.enabled
    qtbot.waitUntil(lambda: widget.run_button.enabled, timeout=60_000)
    assert not widget.cancel_button.enabled


def test_fields_are_the_core_options(widget):
    assert isinstance(widget, widget_module.MakeDatasetWidget)
    for option in DatasetOptions.fields():
        assert widget[option.name].value == option.default
    assert widget.options() == {f.name: f.default for f in DatasetOptions.fields()}


def test_store_folder_follows_the_data_folder_until_edited(widget, tmp_path):
    widget.data_folder.value = tmp_path / "recordings"
    assert widget.store_folder.value == tmp_path / "recordings.npy"
    widget.store_folder.value = tmp_path / "mine.npy"
    widget.data_folder.value = tmp_path / "other"
    assert widget.store_folder.value == tmp_path / "mine.npy"


def test_makes_a_dataset_in_a_worker(widget, fly_folder, qtbot, messages):
    widget.data_folder.value = fly_folder
    widget.event_std_seconds.value = 0.002
    widget.gap_seconds.value = 0.001
    widget.make_individual_targets.value = True
    widget.test.value = 0.0
    widget.seed.value = 5
    run_and_wait(widget, qtbot)
    assert messages["error"] == []
    assert len(messages["info"]) == 1 and "fly.npy" in messages["info"][0]
    store = fly_folder.with_name("fly.npy")
    attrs = read_attrs(store)
    assert attrs["event_std_seconds"] == 0.002 and attrs["gap_seconds"] == 0.001 and attrs["seed"] == 5
    assert "y_pulse" in open_split(store, "train")
    assert {split for splits in attrs["data_splits"].values() for split in splits} == {"train", "val"}
    assert np.isclose(len(open_split(store, "train")["x"]) / 150000, 0.75, atol=1e-4)


def test_proposals_are_left_out_and_the_summary_says_so(widget, fly_folder, qtbot, messages):
    from napari_deepss.annotations import Annotations, annotations_path_for, read_annotations, write_annotations

    csv = annotations_path_for(next(fly_folder.glob("*.wav")))
    human = read_annotations(csv)
    later = human.start_seconds >= 30.0
    write_annotations(Annotations(["pulse_proposals" if late else n for n, late in zip(human.names, later)],
                                  human.start_seconds, human.stop_seconds), csv)
    widget.data_folder.value = fly_folder
    run_and_wait(widget, qtbot)
    assert messages["error"] == [] and f"left out {int(later.sum())} proposal(s)" in messages["info"][0]
    assert read_attrs(fly_folder.with_name("fly.npy"))["class_names"] == ["noise", "pulse"]


def test_open_when_done_shows_the_train_split(widget, viewer, fly_folder, qtbot, messages):
    widget.data_folder.value = fly_folder
    widget.open_when_done.value = True
    run_and_wait(widget, qtbot)
    assert [layer.name for layer in viewer.layers] == ["fly train", "fly train waveform", "fly train targets", "fly train targets events", "fly train recordings"]


def test_errors_are_notifications_and_the_button_comes_back(widget, fly_folder, qtbot, messages):
    widget.data_folder.value = fly_folder
    widget.test_by.value = "files"
    run_and_wait(widget, qtbot)
    assert messages["info"] == []
    assert len(messages["error"]) == 1 and "Split by samples instead" in messages["error"][0]
    assert "Split by samples" in widget.status.value
    assert not fly_folder.with_name("fly.npy").exists()
    # the same widget runs again after fixing the option
    widget.test_by.value = "samples"
    run_and_wait(widget, qtbot)
    assert fly_folder.with_name("fly.npy").is_dir() and len(messages["info"]) == 1


def test_existing_store_needs_overwrite(widget, fly_folder, qtbot, messages):
    widget.data_folder.value = fly_folder
    run_and_wait(widget, qtbot)
    run_and_wait(widget, qtbot)
    assert len(messages["error"]) == 1 and "exists" in messages["error"][0]
    widget.overwrite.value = True
    widget.seed.value = 9
    run_and_wait(widget, qtbot)
    assert read_attrs(fly_folder.with_name("fly.npy"))["seed"] == 9


def test_cancel_writes_nothing(widget, bird_folder, qtbot, messages, monkeypatch):
    from napari_deepss.dataset import build

    release = threading.Event()

    def held_load_audio(path):  # the worker waits here until the test has pressed Cancel
        release.wait(30)
        return load_audio(path)

    monkeypatch.setattr(build, "load_audio", held_load_audio)
    widget.data_folder.value = bird_folder
    widget.run_button.clicked()
    qtbot.waitUntil(lambda: widget.status.value.startswith("Writing"), timeout=30_000)
    widget.cancel_button.clicked()
    release.set()
    qtbot.waitUntil(lambda: widget.run_button.enabled, timeout=30_000)
    assert messages["error"] == [] and "cancelled" in messages["info"][0]
    assert sorted(p.name for p in bird_folder.parent.iterdir()) == ["bird"]
    assert "nothing was written" in widget.status.value


def test_no_data_folder_is_a_notification(widget, messages):
    widget.run_button.clicked()
    assert widget.run_button.enabled and "data folder" in messages["error"][0]


def test_more_data_folders_and_sub_folders(widget, bird_dir, tmp_path, qtbot, messages):
    """Issue 13 item 6: rounds of annotation in several folders, one of them searched recursively."""
    copy_recordings(bird_dir, tmp_path / "round1", BIRD_FILES[:2])
    copy_recordings(bird_dir, tmp_path / "round2" / "later", BIRD_FILES[2:])
    widget.data_folder.value = tmp_path / "round1"
    widget.more_data_folders.value = [tmp_path / "round2"]
    widget.store_folder.value = tmp_path / "rounds.npy"
    widget.recursive.value = True
    assert widget.data_folders() == [tmp_path / "round1", tmp_path / "round2"]
    run_and_wait(widget, qtbot)
    assert messages["error"] == []
    assert sorted(read_attrs(tmp_path / "rounds.npy")["data_splits"]) == sorted(BIRD_FILES)
