"""The draw tool without Qt: napari's mouse test events on a ViewerModel, edits through a session."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest
from napari.components import ViewerModel
from napari.layers import Layer
from viewer_mouse import click_or_drag

from napari_deepss._napari._reader import read_deepss
from napari_deepss._napari.annotation_layer import segment_times
from napari_deepss._napari.annotation_session import AnnotationSession
from napari_deepss._napari.draw_tool import GRAB_PIXELS, DrawTool
from napari_deepss.annotations import Annotations, annotations_path_for, write_annotations
from napari_deepss.audio import save_wav

PIXELS_PER_SECOND = 600.0


@pytest.fixture
def tool(tmp_path):
    """A tool on a 1 s recording with a pulse at 0.25 s and a sine from 0.5 to 0.75 s."""
    wav = tmp_path / "rec.wav"
    save_wav(wav, np.zeros((8000, 1), dtype=np.float32), 8000)
    write_annotations(Annotations(["pulse", "sine"], [0.25, 0.5], [0.25, 0.75]), annotations_path_for(wav))
    viewer = ViewerModel()
    for layer_data in read_deepss(str(wav)):
        viewer.add_layer(Layer.create(*layer_data))
    session = AnnotationSession(viewer, SimpleNamespace(), on_change=lambda: None, on_attach=lambda layers: None)
    session.attach()
    tool = DrawTool(session)
    viewer.mouse_drag_callbacks.append(tool.on_mouse)
    viewer.scene.camera.zoom = PIXELS_PER_SECOND
    return tool


def _event_times(tool):
    return tool.session.editor.events.data[:, -1].tolist()


def test_the_mouse_draws_only_while_drawing_is_on(tool):
    viewer, session = tool.session.viewer, tool.session
    session.active_type = "pulse"
    click_or_drag(viewer, 0.125)
    assert _event_times(tool) == [0.25] and viewer.scene.camera.mouse_pan
    session.editor.events.mode = "add"
    tool.set_drawing(True)
    assert not viewer.scene.camera.mouse_pan and session.editor.events.mode == "pan_zoom"
    click_or_drag(viewer, 0.125)
    assert _event_times(tool) == [0.25, 0.125]


def test_a_drag_from_an_event_or_a_segment_edge_moves_it_elsewhere_it_draws(tool):
    session = tool.session
    tool.set_drawing(True)
    session.active_type = "sine"
    near = 0.25 + (GRAB_PIXELS - 1) / PIXELS_PER_SECOND
    click_or_drag(session.viewer, near, 0.375)
    assert _event_times(tool) == [0.375]
    click_or_drag(session.viewer, 0.75, 0.875)  # the sine's stop
    assert segment_times(session.editor.segments).tolist() == [[0.5, 0.875]]
    far = 0.375 + (GRAB_PIXELS + 1) / PIXELS_PER_SECOND
    click_or_drag(session.viewer, far, 0.45)  # too far from the event to grab it: a new sine
    assert _event_times(tool) == [0.375] and segment_times(session.editor.segments)[-1].tolist() == pytest.approx([far, 0.45])


def test_shift_click_toggles_the_selection_of_the_annotation_under_the_cursor(tool):
    viewer, editor = tool.session.viewer, tool.session.editor
    tool.set_drawing(True)
    click_or_drag(viewer, 0.625, modifiers=["Shift"])  # inside the sine, far from its edges
    assert editor.segments.selected_data == {0}
    click_or_drag(viewer, 0.625, modifiers=["Shift"])
    assert editor.segments.selected_data == set()
    click_or_drag(viewer, 0.25, modifiers=["Shift"])
    assert editor.events.selected_data == {0} and len(editor.annotations()) == 2  # selecting adds nothing
