"""The Annotate dock widget on the real fly recording (pytest-qt, run under Xvfb).

Dialogs are the functions of the dialog module, replaced here, so nothing blocks.
Drawing goes through the viewer's mouse callbacks with napari's test events.
"""

from __future__ import annotations

import shutil

import numpy as np
import pytest
from app_model.types import KeyBinding
from viewer_mouse import click_or_drag

from napari_deepss._napari.navigation import show_time, visible_time_range
from napari_deepss._napari.widgets import annotate_dialogs
from napari_deepss._napari.widgets.annotate import AnnotateWidget
from napari_deepss._napari.widgets.main_window_hooks import menu_actions
from napari_deepss.annotation_saving import autosave_path_for, backup_path_for
from napari_deepss.annotations import annotations_path_for, read_annotations
from napari_deepss.audio import load_audio

PLUGIN = "napari-deepss"


@pytest.fixture(autouse=True)
def no_dialogs(monkeypatch):
    """Every dialog fails the test unless a test replaces it; closing at teardown discards."""

    def unexpected(*args):
        raise AssertionError(f"unexpected dialog {args}")

    for name in ("ask_recover", "confirm_delete", "choose_color", "choose_save_path", "choose_folder"):
        monkeypatch.setattr(annotate_dialogs, name, unexpected)
    monkeypatch.setattr(annotate_dialogs, "ask_unsaved", lambda *args: "discard")


@pytest.fixture
def recording(tmp_path, fly_wav):
    folder = tmp_path / "rec"
    folder.mkdir()
    shutil.copy(annotations_path_for(fly_wav), folder)
    return shutil.copy(fly_wav, folder)


@pytest.fixture
def widget(recording, make_napari_viewer, qtbot):
    viewer = make_napari_viewer()
    viewer.open(recording, plugin=PLUGIN)
    widget = AnnotateWidget(viewer)
    viewer.window.add_dock_widget(widget)
    return widget


def _press_key(widget, key: str) -> None:
    """What napari does for a key press: the selected layer's binding, else the viewer's."""
    active = widget.viewer.layers.selection.active
    owner = active if active is not None and KeyBinding.from_str(key) in active.keymap else widget.viewer
    owner.keymap[KeyBinding.from_str(key)](owner)


def _add_type(widget, name: str, kind: str) -> None:
    widget.type_name.setText(name)
    widget.type_kind.setCurrentText(kind)
    widget.add_type_button.click()


def _rows(table):
    return [(n, a, b) for n, a, b, p in zip(table.names, table.start_seconds, table.stop_seconds, table.is_placeholder) if not p]


def test_widget_lists_the_song_types_and_number_keys_choose_one(widget):
    table = widget.table
    assert [table.item(0, c).text() for c in (0, 1, 3)] == ["pulse", "event", "374"]
    assert widget.status_label.text() == "saved"
    _add_type(widget, "sine", "segment")
    assert table.rowCount() == 2 and table.item(1, 3).text() == "0"
    _press_key(widget, "1")
    assert widget.session.active_type == "pulse"
    _press_key(widget, "2")
    assert widget.session.active_type == "sine"
    _press_key(widget, "9")  # no ninth type: unchanged
    assert widget.session.active_type == "sine"
    widget.viewer.layers.selection.active = widget.session.spectrogram  # napari binds 1 and 2 to image layer modes
    _press_key(widget, "1")
    assert widget.session.active_type == "pulse" and widget.session.spectrogram.mode == "pan_zoom"


def test_drawing_editing_undo_and_save_with_backup(widget, recording):
    viewer, csv_path = widget.viewer, annotations_path_for(recording)
    original_text = csv_path.read_text()
    original = _rows(read_annotations(csv_path))
    _add_type(widget, "sine", "segment")
    _add_type(widget, "click", "event")
    widget.draw_button.setChecked(True)

    assert viewer.scene.camera.mouse_pan is False  # a drag draws, it does not move the view
    _press_key(widget, "1")  # pulse
    click_or_drag(viewer, 1.2345678)
    assert widget.status_label.text().endswith("unsaved changes")
    _press_key(widget, "2")  # sine: a drag, then two clicks
    click_or_drag(viewer, 30.0, 30.5)
    click_or_drag(viewer, 40.0)
    click_or_drag(viewer, 40.25)
    click_or_drag(viewer, 30.5, 30.75)  # drag the first segment's right edge
    segments, events = widget.session.editor.segments, widget.session.editor.events
    assert len(segments.data) == 2 and len(events.data) == 375
    assert {tuple(v[:, 0].tolist()) for v in segments.data} == {(0.0, 1250.0, 1250.0, 0.0)}  # full frequency span

    click_or_drag(viewer, 1.2345678, modifiers=["Shift"])  # select the new pulse ...
    _press_key(widget, "3")  # ... and make it a click
    widget.buttons["Re-type selected"].click()
    events.selected_data = {0}
    widget.buttons["Delete selected"].click()  # delete the first pulse
    click_or_drag(viewer, 50.0)  # one more click, then undo it
    widget.buttons["Undo"].click()
    assert widget.table.item(2, 3).text() == "1"  # one click

    assert widget.session.save() == csv_path
    assert backup_path_for(csv_path).read_text() == original_text
    expected = sorted([*original[1:], ("click", 1.2345678, 1.2345678), ("sine", 30.0, 30.75), ("sine", 40.0, 40.25)], key=lambda r: r[1])
    assert _rows(read_annotations(csv_path)) == expected
    assert widget.status_label.text() == "saved"


def test_deleting_a_song_type_with_annotations_asks(widget, monkeypatch):
    asked = []
    monkeypatch.setattr(annotate_dialogs, "confirm_delete", lambda parent, name, count: asked.append((name, count)) or False)
    _press_key(widget, "1")
    widget.delete_type_button.click()
    assert asked == [("pulse", 374)] and widget.table.rowCount() == 1  # refused: kept
    monkeypatch.setattr(annotate_dialogs, "confirm_delete", lambda *args: True)
    widget.delete_type_button.click()
    assert widget.table.rowCount() == 0 and len(widget.session.editor.events.data) == 0


def test_rename_and_recolour_a_song_type(widget, monkeypatch):
    monkeypatch.setattr(annotate_dialogs, "choose_color", lambda parent, current: "#ffffff")
    _press_key(widget, "1")
    widget.type_name.setText("pulse_a")
    widget.rename_type_button.click()
    widget.recolor_type_button.click()
    assert set(widget.session.editor.events.features["name"]) == {"pulse_a"}
    assert np.allclose(widget.session.editor.events.face_color, 1.0)
    assert widget.session.editor.annotations().song_types == {"pulse_a": "event"}


def test_autosave_is_offered_for_recovery_when_the_recording_opens_again(widget, recording, make_napari_viewer, monkeypatch, qtbot):
    csv_path = annotations_path_for(recording)
    _press_key(widget, "1")
    widget.draw_button.setChecked(True)
    click_or_drag(widget.viewer, 0.5)
    widget._autosave_timer.setInterval(50)  # the periodic autosave, sooner than AUTOSAVE_SECONDS
    qtbot.waitUntil(autosave_path_for(csv_path).exists, timeout=5000)
    assert len(read_annotations(autosave_path_for(csv_path))) == 375 and len(read_annotations(csv_path)) == 374

    offered = []
    monkeypatch.setattr(annotate_dialogs, "ask_recover", lambda parent, sidecar: offered.append(sidecar) or True)
    viewer = make_napari_viewer()
    viewer.open(recording, plugin=PLUGIN)
    again = AnnotateWidget(viewer)
    assert offered == [autosave_path_for(csv_path)]
    assert 0.5 in again.session.editor.events.data[:, -1] and len(again.session.editor.events.data) == 375
    assert again.session.has_unsaved_changes
    again.session.save()
    assert not autosave_path_for(csv_path).exists()


def test_closing_napari_with_unsaved_annotations_asks(widget, recording, monkeypatch):
    answers = iter(["cancel", "save"])
    asked = []
    monkeypatch.setattr(annotate_dialogs, "ask_unsaved", lambda parent, path: asked.append(path) or next(answers))
    _press_key(widget, "1")
    widget.draw_button.setChecked(True)
    click_or_drag(widget.viewer, 0.25)
    window = widget.window()  # napari's main window, the widget docked in it
    assert window.close() is False  # cancelled: napari stays open
    assert window.close() is True  # saved, then closed
    assert asked == [annotations_path_for(recording)] * 2
    assert 0.25 in read_annotations(annotations_path_for(recording)).start_seconds


def test_ctrl_s_is_the_widget_save(widget, recording):
    menus = menu_actions(widget.window().menuBar().actions())
    save_action = [a for a in menus if a.text().startswith("Save Selected")]
    assert save_action and all(a.shortcut().isEmpty() for a in save_action)  # napari's Ctrl+S gave way
    _press_key(widget, "1")
    widget.draw_button.setChecked(True)
    click_or_drag(widget.viewer, 0.75)
    widget._window_hooks.save_shortcut.activated.emit()
    assert 0.75 in read_annotations(annotations_path_for(recording)).start_seconds


def test_navigation_pages_zooms_and_jumps(widget):
    viewer = widget.viewer
    start, stop = visible_time_range(viewer)
    _press_key(widget, "PageDown")
    assert visible_time_range(viewer) == pytest.approx((stop, 2 * stop - start))
    _press_key(widget, "=")
    new_start, new_stop = visible_time_range(viewer)
    assert new_stop - new_start == pytest.approx((stop - start) / 2)
    times = widget.session.editor.events.data[:, -1]
    centre = viewer.scene.camera.center[-1]
    _press_key(widget, "N")
    assert viewer.scene.camera.center[-1] == times[times > centre].min()
    _press_key(widget, "B")
    assert viewer.scene.camera.center[-1] == times[times < times[times > centre].min()].max()
    _add_type(widget, "sine", "segment")
    widget.session.editor.add_segment("sine", 59.0, 59.5)
    widget.active_only.setChecked(True)  # jump among the active type only
    _press_key(widget, "N")
    assert viewer.scene.camera.center[-1] == 59.0
    assert widget.time_label.text().endswith(" s")


def test_export_for_training_writes_a_folder_make_dataset_reads(widget, recording, tmp_path, monkeypatch):
    out = tmp_path / "export"
    monkeypatch.setattr(annotate_dialogs, "choose_folder", lambda parent: str(out))
    show_time(widget.viewer, 10.0)
    widget.export_visible_only.setChecked(True)
    wav, csv_path = widget.export()
    start, stop = visible_time_range(widget.viewer)
    samples, rate = load_audio(wav)
    assert len(samples) == pytest.approx((stop - max(start, 0)) * rate, abs=1)
    table = read_annotations(csv_path)
    original = read_annotations(annotations_path_for(recording)).start_seconds
    inside = original[(original >= max(start, 0)) & (original < stop)]
    assert np.allclose(table.start_seconds, inside - max(start, 0))


def test_each_recording_keeps_its_unsaved_edits(widget, recording, bird_wav, tmp_path, monkeypatch):
    viewer = widget.viewer
    fly_spectrogram = widget.session.spectrogram
    _press_key(widget, "1")
    widget.draw_button.setChecked(True)
    click_or_drag(viewer, 0.125)
    bird = shutil.copy(bird_wav, tmp_path)
    shutil.copy(annotations_path_for(bird_wav), tmp_path)
    bird_spectrogram = viewer.open(bird, plugin=PLUGIN)[0]
    viewer.layers.selection.active = bird_spectrogram
    assert widget.session.spectrogram is bird_spectrogram and not widget.session.has_unsaved_changes
    assert widget.table.item(0, 0).text() == "syll_0"
    viewer.layers.selection.active = fly_spectrogram
    assert widget.session.has_unsaved_changes and 0.125 in widget.session.editor.events.data[:, -1]
    asked = []
    monkeypatch.setattr(annotate_dialogs, "ask_unsaved", lambda parent, path: asked.append(path) or "cancel")
    assert widget.session.may_close() is False and asked == [annotations_path_for(recording)]
    assert widget.session.autosave() == [autosave_path_for(annotations_path_for(recording))]


def test_a_recording_without_a_file_asks_where_to_save(make_napari_viewer, tmp_path, monkeypatch):
    viewer = make_napari_viewer()
    viewer.open_sample(PLUGIN, "synthetic_song")
    widget = AnnotateWidget(viewer)
    target = tmp_path / "song_annotations.csv"
    monkeypatch.setattr(annotate_dialogs, "choose_save_path", lambda parent, suggestion: str(target))
    assert widget.session.save() == target
    assert read_annotations(target).song_types == {"pulse": "event", "sine": "segment"}
