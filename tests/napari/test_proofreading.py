"""Proofreading proposals in Annotate on the real fly recording: approve, undo and redo, delete, jump, save, reopen.

Half of the recording's human pulses are turned into proposals (``pulse_proposals`` rows), as a prediction
saved mid-proofreading would leave them.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest
from test_annotate_widget import _press_key

from napari_deepss._napari.annotation_layer import PROPOSAL_ALPHA
from napari_deepss._napari.navigation import show_time, visible_time_range
from napari_deepss._napari.widgets import annotate_dialogs
from napari_deepss._napari.widgets.annotate import AnnotateWidget
from napari_deepss.annotations import Annotations, annotations_path_for, read_annotations, write_annotations
from napari_deepss.proposals import is_proposal

HALF = 30.0  # pulses from here on are proposals


@pytest.fixture(autouse=True)
def no_dialogs(monkeypatch):
    monkeypatch.setattr(annotate_dialogs, "ask_unsaved", lambda *args: "discard")


@pytest.fixture
def recording(tmp_path, fly_wav):
    wav = Path(shutil.copy(fly_wav, tmp_path))
    human = read_annotations(annotations_path_for(fly_wav))
    names = ["pulse_proposals" if t >= HALF else n for n, t in zip(human.names, human.start_seconds)]
    write_annotations(Annotations(names, human.start_seconds, human.stop_seconds), annotations_path_for(wav))
    return wav


@pytest.fixture
def widget(recording, make_napari_viewer):
    viewer = make_napari_viewer()
    viewer.open(recording, plugin="napari-deepss")
    widget = AnnotateWidget(viewer)
    viewer.window.add_dock_widget(widget)
    return widget


def _names(widget) -> list[str]:
    return widget.session.editor.events.features["name"].astype(str).tolist()


def _counts(widget) -> tuple[int, int]:
    names = _names(widget)
    return names.count("pulse"), names.count("pulse_proposals")


def test_proposals_are_listed_with_their_type_and_drawn_translucent(widget):
    table = widget.table
    assert table.rowCount() == 1  # one song type; its proposals are a column, not a type of their own
    assert [table.item(0, c).text() for c in (0, 1, 3)] == ["pulse", "event", str(_counts(widget)[0])]
    assert table.item(0, 4).text() == str(_counts(widget)[1]) and _counts(widget)[1] > 100
    events = widget.session.editor.events
    colors = events.face_color
    names = np.array(_names(widget))
    approved, proposed = colors[names == "pulse"][0], colors[names == "pulse_proposals"][0]
    np.testing.assert_allclose(proposed[:3], approved[:3])  # the type's colour ...
    assert approved[3] == 1 and proposed[3] == pytest.approx(int(PROPOSAL_ALPHA, 16) / 255)  # ... translucent


def test_approve_in_view_selected_and_all_undo_and_redo(widget):
    viewer, editor = widget.viewer, widget.session.editor
    approved, proposed = _counts(widget)
    show_time(viewer, HALF + 2)
    start, stop = visible_time_range(viewer)
    times = np.asarray(editor.events.data)[:, -1]
    in_view = int(np.sum((times >= start) & (times < stop) & (np.array(_names(widget)) == "pulse_proposals")))
    assert in_view > 5
    _press_key(widget, "1")
    _press_key(widget, "G")  # the active type's proposals in view (DeepSS's key)
    assert _counts(widget) == (approved + in_view, proposed - in_view)
    assert widget.edit_label.text() == f"Approved {in_view}"
    assert widget.table.item(0, 4).text() == str(proposed - in_view)
    _press_key(widget, "Control-Z")
    assert _counts(widget) == (approved, proposed)
    _press_key(widget, "Control-Shift-Z")
    assert _counts(widget) == (approved + in_view, proposed - in_view)

    first = _names(widget).index("pulse_proposals")
    editor.events.selected_data = {first}
    _press_key(widget, "Shift-G")
    assert _names(widget)[first] == "pulse" and _counts(widget)[1] == proposed - in_view - 1
    widget.buttons["Approve all of type"].click()
    assert _counts(widget) == (approved + proposed, 0)


def test_delete_proposals_or_everything_in_view_and_jump_to_the_next_proposal(widget):
    viewer, editor = widget.viewer, widget.session.editor
    approved, proposed = _counts(widget)
    show_time(viewer, 10.0)
    _press_key(widget, "Shift-N")
    assert viewer.scene.camera.center[-1] == pytest.approx(min(
        t for n, t in zip(_names(widget), editor.events.data[:, -1]) if n == "pulse_proposals"))
    show_time(viewer, HALF)  # half approved, half proposed in view
    start, stop = visible_time_range(viewer)
    times, names = editor.events.data[:, -1], np.array(_names(widget))
    inside = (times >= start) & (times < stop)
    widget.buttons["Delete proposals in view"].click()
    assert _counts(widget) == (approved, proposed - int(np.sum(inside & (names == "pulse_proposals"))))
    widget.buttons["Delete in view"].click()
    assert _counts(widget)[0] == approved - int(np.sum(inside & (names == "pulse")))
    widget.buttons["Undo"].click()
    widget.buttons["Undo"].click()
    assert _counts(widget) == (approved, proposed)


def test_a_retyped_proposal_stays_a_proposal(widget):
    editor = widget.session.editor
    widget.type_name.setText("click")
    widget.type_kind.setCurrentText("event")
    widget.add_type_button.click()
    first = _names(widget).index("pulse_proposals")
    editor.events.selected_data = {first}
    _press_key(widget, "2")
    widget.buttons["Re-type selected"].click()
    assert _names(widget)[first] == "click_proposals" and widget.table.item(1, 4).text() == "1"


def test_saved_and_reopened_proposals_and_approved_rows_stay_apart(widget, recording, make_napari_viewer):
    approved, proposed = _counts(widget)
    show_time(widget.viewer, HALF + 2)
    _press_key(widget, "H")  # all proposals in view
    now_approved, now_proposed = _counts(widget)
    assert now_approved > approved and now_proposed < proposed
    assert widget.session.save() == annotations_path_for(recording)
    table = read_annotations(annotations_path_for(recording))
    names = np.asarray(table.names)[~table.is_placeholder]
    assert (names == "pulse").sum() == now_approved and (names == "pulse_proposals").sum() == now_proposed

    reopened = make_napari_viewer()
    reopened.open(recording, plugin="napari-deepss")
    events = reopened.layers[f"{recording.stem}_annotations events"]
    assert events.features["name"].astype(str).tolist().count("pulse_proposals") == now_proposed

    _press_key(widget, "1")
    widget.buttons["Approve all of type"].click()
    widget.session.save()
    table = read_annotations(annotations_path_for(recording))
    assert not any(map(is_proposal, table.song_types))  # no empty proposal type is written
