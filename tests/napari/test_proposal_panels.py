"""Annotate's Detect and Quick train panels on the real fly recording: proposals from the envelope and a quick network."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest
from predict_helpers import fly_slice

from napari_deepss._napari.navigation import show_time, visible_time_range
from napari_deepss._napari.recording_layers import PREVIEW_SET, annotation_layers_of
from napari_deepss._napari.widgets import _job, annotate_dialogs
from napari_deepss._napari.widgets import quick_train_panel as quick_module
from napari_deepss._napari.widgets.annotate import AnnotateWidget
from napari_deepss.annotations import Annotations, annotations_path_for, read_annotations, write_annotations
from napari_deepss.evaluate import score_annotations

TIMEOUT_MS = 300_000
# the settings of tests/core/test_detector.py, where the measurements that justify them are
FLY = dict(threshold=4.0, smoothing=0.002, event_dist=0.02, low_hz="200", high_hz="800")
MIN_FLY_F1 = 0.90


@pytest.fixture(autouse=True)
def quiet(monkeypatch):
    monkeypatch.setattr(annotate_dialogs, "ask_unsaved", lambda *args: "discard")
    errors = []
    monkeypatch.setattr(quick_module, "show_error", errors.append)
    monkeypatch.setattr(quick_module, "show_info", lambda message: None)
    monkeypatch.setattr(_job, "show_error", errors.append)
    return errors


def _widget(make_napari_viewer, wav) -> AnnotateWidget:
    viewer = make_napari_viewer()
    viewer.open(wav, plugin="napari-deepss")
    widget = AnnotateWidget(viewer)
    viewer.window.add_dock_widget(widget)
    return widget


def _rows(widget) -> list[tuple[str, float]]:
    events = widget.session.editor.events
    return list(zip(events.features["name"].astype(str), np.asarray(events.data)[:, -1]))


def test_the_detector_previews_the_view_and_proposes_the_fly_pulses(make_napari_viewer, fly_wav, tmp_path, qtbot):
    wav = Path(shutil.copy(fly_wav, tmp_path))
    truth = read_annotations(annotations_path_for(fly_wav))
    write_annotations(Annotations.from_rows([], [], [], song_types={"pulse": "event"}), annotations_path_for(wav))
    widget = _widget(make_napari_viewer, wav)
    panel = widget.detector
    assert panel.song_type.choices == ("pulse",)
    for name, value in FLY.items():
        panel.form.fields[name].value = value

    show_time(widget.viewer, 20.0)
    panel.preview.value = True
    panel.update_preview()
    recording = widget.session.spectrogram.name
    preview = annotation_layers_of(widget.viewer.layers, recording, PREVIEW_SET)
    start, stop = visible_time_range(widget.viewer)
    times = np.asarray(preview[1].data)[:, -1]
    assert len(times) > 5 and np.all((times >= start) & (times < stop))
    assert _rows(widget) == []  # a preview adds nothing to the annotations
    panel.preview.value = False
    panel.update_preview()
    assert annotation_layers_of(widget.viewer.layers, recording, PREVIEW_SET) is None

    panel.run_button.clicked()  # the whole recording
    qtbot.waitUntil(lambda: panel.run_button.enabled, timeout=TIMEOUT_MS)
    rows = _rows(widget)
    assert rows and {name for name, _ in rows} == {"pulse_proposals"}
    found = Annotations(["pulse"] * len(rows), [t for _, t in rows], [t for _, t in rows])
    scores = score_annotations(truth, found, tolerance=0.01).events["pulse"]
    assert scores.f1 >= MIN_FLY_F1, scores.to_dict()
    assert panel.status.value.startswith(f"Proposed {len(rows)} pulse")


def test_quick_train_proposes_the_rest_and_a_second_round_continues(make_napari_viewer, fly_wav, tmp_path, qtbot,
                                                                   quiet):
    wav = fly_slice(fly_wav, tmp_path / "data")  # 12 s; the first 8 s stay annotated
    table = read_annotations(annotations_path_for(wav))
    write_annotations(table.cropped(0.0, 8.0), annotations_path_for(wav))
    widget = _widget(make_napari_viewer, wav)
    panel = widget.quick_train
    for name, value in dict(minutes=1.0, nb_epoch=10, nb_hist=256, nb_filters=16, kernel_size=16, nb_conv=1,
                            learning_rate=0.005).items():
        panel.form.fields[name].value = value
    [recording] = panel.recordings()
    assert recording.train_range[1] < 8.0 and recording.propose == [(recording.train_range[1], 12.0)]

    panel.run_button.clicked()
    qtbot.waitUntil(lambda: panel.run_button.enabled, timeout=TIMEOUT_MS)
    assert quiet == []
    first = Path(str(panel.continue_from.value))
    assert first.name.startswith("quick_") and first.parent == wav.parent / "quick_train.res"
    proposed = [t for name, t in _rows(widget) if name == "pulse_proposals"]
    assert proposed and min(proposed) >= recording.train_range[1]  # the rest only
    assert "Approve (G, H)" in panel.status.value

    widget.table.selectRow(0)
    widget.buttons["Approve all of type"].click()  # round two learns from the approved proposals too
    panel.run_button.clicked()
    qtbot.waitUntil(lambda: panel.run_button.enabled, timeout=TIMEOUT_MS)
    assert quiet == []
    second = Path(str(panel.continue_from.value))
    assert second != first
    import yaml

    params = yaml.safe_load(open(str(second).replace("_model.h5", "_params.yaml")))
    assert params["init_model"] == str(first).removesuffix("_model.h5")
    assert params["quick_train_ranges"]["fly"][1] > recording.train_range[1]  # trained on the grown annotations
