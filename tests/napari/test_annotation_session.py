"""The Annotate session without Qt: a napari ViewerModel, dialogs answered by functions."""

from __future__ import annotations

import subprocess
import sys
from types import SimpleNamespace

import numpy as np
import pytest
from napari.components import ViewerModel
from napari.layers import Layer

from napari_deepss._napari import annotation_session
from napari_deepss._napari._reader import read_deepss
from napari_deepss._napari.annotation_layer import annotations_layers_data
from napari_deepss._napari.annotation_session import AnnotationSession
from napari_deepss._napari.recording_layers import PREVIEW_SET, belonging_to, partner_of
from napari_deepss._napari.viewer_hooks import display_frequency_scale
from napari_deepss.annotation_saving import autosave_path_for, write_autosave
from napari_deepss.annotations import Annotations, annotations_path_for, read_annotations, write_annotations
from napari_deepss.audio import save_wav

DIALOGS = ("ask_unsaved", "ask_recover", "confirm_delete", "choose_color", "choose_save_path", "choose_folder")


@pytest.fixture
def messages(monkeypatch):
    shown = {"info": [], "error": []}
    for kind, found in shown.items():
        monkeypatch.setattr(annotation_session, f"show_{kind}", found.append)
    return shown


@pytest.fixture
def wav(tmp_path):
    path = tmp_path / "rec.wav"
    save_wav(path, np.zeros((8000, 1), dtype=np.float32), 8000)
    write_annotations(Annotations(["pulse", "sine"], [0.25, 0.5], [0.25, 0.75]), annotations_path_for(path))
    return path


def _session(viewer, on_attach=lambda layers: None, **answers) -> AnnotationSession:
    """A session whose dialogs fail the test unless ``answers`` gives them."""

    def unexpected(*args):
        raise AssertionError(f"unexpected dialog {args}")

    dialogs = SimpleNamespace(**{**dict.fromkeys(DIALOGS, unexpected), **answers})
    return AnnotationSession(viewer, dialogs, on_change=lambda: None, on_attach=on_attach)


def _open(viewer, path) -> list:
    """What napari's open does with the plugin's reader, without a Qt viewer."""
    return [viewer.add_layer(Layer.create(*layer_data)) for layer_data in read_deepss(str(path))]


def _opened(wav):
    viewer = ViewerModel()
    return viewer, _open(viewer, wav)


def test_the_session_is_qt_free():
    code = "import sys, napari_deepss._napari.annotation_session, napari_deepss._napari.draw_tool; sys.exit('qtpy' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", code]).returncode == 0


def test_the_session_takes_the_recordings_own_layers_and_hooks_its_viewer(wav):
    viewer, (image, _, segments, events) = _opened(wav)  # a ViewerModel is no current viewer: the reader hooked nothing
    assert display_frequency_scale(viewer) is None
    for layer_data in belonging_to("rec", annotations_layers_data(Annotations(), (0, 4000), annotation_set=PREVIEW_SET)):
        viewer.add_layer(Layer.create(*layer_data))
    attached = []
    session = _session(viewer, on_attach=attached.append)
    session.attach()
    assert (session.spectrogram, session.editor.segments, session.editor.events) == (image, segments, events)
    assert attached == [(image, segments, events)]
    assert display_frequency_scale(viewer) is not None


def test_renamed_layers_are_found_and_keep_their_editor(wav, tmp_path):
    viewer, (image, _, segments, events) = _opened(wav)
    for layer in (image, segments, events):
        layer.name = f"renamed {layer.name}"
    session = _session(viewer)
    session.attach_creating()
    editor = session.editor
    assert (editor.segments, editor.events) == (segments, events) and len(viewer.layers) == 4  # with the waveform
    other = tmp_path / "other.wav"
    save_wav(other, np.zeros((8000, 1), dtype=np.float32), 8000)
    _open(viewer, other)
    assert session.editor is None  # the other recording has no annotations yet, and none are made unasked
    viewer.layers.selection.active = image
    assert session.editor is editor and len(viewer.layers) == 6


def test_a_layer_whose_partner_was_removed_gets_a_new_partner_in_its_pair(wav, messages):
    viewer, (image, _, segments, events) = _opened(wav)
    viewer.layers.remove(events)
    session = _session(viewer)
    session.attach()
    assert session.editor is None and len(viewer.layers) == 3  # not brought back unasked
    session.add_type("click", "event")
    assert session.editor.segments is segments and partner_of(viewer.layers, segments.metadata) is session.editor.events
    assert session.editor.song_types == {"pulse": "event", "sine": "segment", "click": "event"}
    session.active_type = "pulse"
    session.add_at(0.125)
    assert messages["error"] == [] and session.editor.annotations().names == ["pulse", "sine", "click"]


def test_drawing_needs_a_type_and_refused_edits_are_messages(wav, messages):
    viewer, _ = _opened(wav)
    session = _session(viewer)
    session.attach()
    session.add_at(0.1)
    assert messages["info"] == ["Choose a song type to draw"]
    session.active_type = "sine"
    session.add_at(0.1)
    assert session.pending_start == 0.1
    session.active_type = "sine"  # choosing a type again forgets the first click
    assert session.pending_start is None
    session.add_at(0.1)
    session.add_at(0.1)  # the second click at the first one's time: no segment
    assert "stop after its start" in messages["error"][-1] and not session.has_unsaved_changes
    session.move_segment_edge(0, 1, 0.9)
    assert session.editor.annotations().stop_seconds[1] == pytest.approx(0.9)


def test_no_recording_means_nothing_to_do(messages):
    session = _session(ViewerModel())
    session.attach_creating()
    session.add_type("pulse", "event")
    assert messages["info"] == ["Open a recording first"]
    assert (session.editor, session.jump(1), session.save(), session.export()) == (None, None, None, None)


def test_declined_recovery_discards_the_autosave(wav):
    sidecar = write_autosave(Annotations(["pulse"], [0.5], [0.5]), annotations_path_for(wav))
    asked = []
    session = _session(_opened(wav)[0], ask_recover=lambda parent, path: asked.append(path) or False)
    session.attach()
    assert asked == [sidecar] and not sidecar.exists() and not session.has_unsaved_changes


def test_closing_discards_the_autosave_and_a_failed_save_keeps_napari_open(wav, tmp_path, messages):
    answers = iter(["discard", "save"])
    viewer, _ = _opened(wav)
    session = _session(viewer, ask_unsaved=lambda parent, path: next(answers))
    session.attach()
    session.active_type = "pulse"
    session.add_at(0.5)
    assert session.autosave() == [autosave_path_for(annotations_path_for(wav))]
    assert session.may_close() is True and not autosave_path_for(annotations_path_for(wav)).exists()
    session.editor.path = tmp_path / "missing folder" / "rec_annotations.csv"
    assert session.may_close() is False and messages["error"][-1].startswith("Annotations not saved")
    assert len(read_annotations(annotations_path_for(wav))) == 2  # the file was not touched
