"""The Predict dock widget: runs in a worker, adds proposals to the recording's annotations, proofread and saved.

Run under a virtual X server: ``xvfb-run -a python -m pytest tests/test_predict_widget.py``.
"""

from __future__ import annotations

import numpy as np
import pytest

from napari_deepss._napari.annotation_layer import layers_to_annotations
from napari_deepss._napari.widgets.predict import PredictWidget, probabilities_layer_data
from napari_deepss.annotations import Annotations, read_annotations, write_annotations
from napari_deepss.child_jobs.predict import pooled_rows
from napari_deepss.postprocess import PostprocessOptions
from napari_deepss.proposals import approved_name

TIMEOUT_MS = 120_000


@pytest.fixture
def viewer_and_widget(make_napari_viewer, tiny_network, tmp_path):
    import shutil

    _, wav = tiny_network
    recording = shutil.copy(wav, tmp_path / "song.wav")  # without annotations beside it
    viewer = make_napari_viewer()
    viewer.open(recording, plugin="napari-deepss")
    _, widget = viewer.window.add_plugin_dock_widget("napari-deepss", "Predict")
    assert isinstance(widget, PredictWidget)
    return viewer, widget


def test_fields_are_the_core_options_and_recordings_are_the_open_spectrograms(viewer_and_widget):
    viewer, widget = viewer_and_widget
    assert widget.options() == PostprocessOptions()
    assert widget.recording.value is viewer.layers["song"]
    viewer.layers.remove("song")
    assert widget.recording.value is None


def test_predicts_in_a_worker_and_adds_layers_to_proofread(viewer_and_widget, tiny_network, qtbot, predict_messages, tmp_path):
    viewer, widget = viewer_and_widget
    prefix, _ = tiny_network
    widget.model.value = prefix + "_model.h5"
    widget.event_thres.value = 0.3
    widget.run_button.clicked()
    assert not widget.run_button.enabled and widget.stop_button.enabled
    qtbot.waitUntil(lambda: widget.run_button.enabled, timeout=TIMEOUT_MS)
    assert predict_messages["error"] == [] and len(predict_messages["info"]) == 1 and "pulse" in predict_messages["info"][0]

    spectrogram = viewer.layers["song"]
    segments, events = viewer.layers["song_annotations"], viewer.layers["song_annotations events"]
    for layer in (segments, events):  # the recording's own annotations, made for the proposals
        assert layer.metadata["deepss_kind"] == "annotations" and layer.metadata["annotation_set"] == "own"
        assert layer.metadata["path"] == str(tmp_path / "song_annotations.csv")
    assert len(segments.data) == 0 and len(events.data) > 1  # the fly network knows pulses only
    assert set(events.features["name"]) == {"pulse_proposals"}
    assert "pulse" in events.metadata["song_types"]  # declared, so proposals can be approved into it

    band = viewer.layers["song_probabilities"]
    assert band.data.shape == (1, 30000)  # one song class, every sample of 12 s at 2.5 kHz
    assert band.metadata["freq_range"][1] == spectrogram.metadata["freq_range"][0]  # just under the spectrogram
    (_, t0), (_, t1) = band.extent.world
    (_, s0), (_, s1) = spectrogram.extent.world
    assert abs(t0 - s0) < 0.01 and abs(t1 - s1) < 0.01  # same stretch of time

    # proofread: delete one event, save both layers as DeepSS annotations (proposals keep their suffix)
    n_events = len(events.data)
    events.selected_data = {0}
    events.remove_selected()
    target = write_annotations(layers_to_annotations([segments.as_layer_data_tuple(), events.as_layer_data_tuple()]),
                               tmp_path / "song_annotations.csv")
    assert len(read_annotations(target).events()["pulse_proposals"]) == n_events - 1


def test_a_recording_without_a_file_is_handed_over_as_samples(make_napari_viewer, tiny_network, qtbot, predict_messages):
    viewer = make_napari_viewer()
    viewer.open_sample("napari-deepss", "synthetic_song")  # generated in memory: no path
    _, widget = viewer.window.add_plugin_dock_widget("napari-deepss", "Predict")
    widget.model.value = tiny_network[0] + "_model.h5"
    widget.show_probabilities.value = False
    widget.run_button.clicked()
    qtbot.waitUntil(lambda: widget.run_button.enabled, timeout=TIMEOUT_MS)
    assert predict_messages["error"] == []
    events = viewer.layers["synthetic_song_annotations events"]  # the sample's own annotations
    assert any(name.endswith("_proposals") for name in events.features["name"])
    assert "synthetic_song_probabilities" not in viewer.layers


def test_stop_adds_nothing(viewer_and_widget, tiny_network, qtbot, predict_messages):
    viewer, widget = viewer_and_widget
    prefix, _ = tiny_network
    widget.model.value = prefix + "_model.h5"
    widget.run_button.clicked()
    widget.stop_button.clicked()
    qtbot.waitUntil(lambda: widget.run_button.enabled, timeout=TIMEOUT_MS)
    assert [layer.name for layer in viewer.layers] == ["song", "song waveform"]  # what the recording opened with
    assert widget.status.value.startswith("Stopped") and predict_messages["error"] == []


def test_missing_model_or_recording_is_a_message(viewer_and_widget, predict_messages, tmp_path):
    viewer, widget = viewer_and_widget
    widget.run_button.clicked()
    assert "_model.h5" in predict_messages["error"][-1]
    widget.model.value = tmp_path / "nothing_model.h5"
    viewer.layers.remove("song")
    widget.run_button.clicked()
    assert "open a recording" in predict_messages["error"][-1]
    assert widget.run_button.enabled


def test_long_probability_traces_are_max_pooled_so_short_events_stay_visible():
    probabilities = np.zeros((300_000, 3), dtype=np.float32)
    probabilities[:, 0] = 1
    probabilities[123_456, :] = [0, 1, 0]
    rows, rate = pooled_rows(probabilities, 10_000.0, max_columns=2**16)
    assert rows.shape == (2, 60_000) and rate == 2_000.0  # pooled by 5
    assert rows[0, 123_456 // 5] == 1.0 and rows[0].sum() == 1.0 and rows[1].max() == 0.0
    data, kwargs, kind = probabilities_layer_data(rows, rate, ["noise", "a", "b"], (0, 5000), name="p")
    assert kind == "image" and kwargs["metadata"]["class_names"] == ["a", "b"]
    assert data[1].max() == 1.0 and data[0].max() == 0.0  # frequency runs up: the last row, 'a', is the top one
    assert kwargs["metadata"]["freq_range"] == (-1250.0, 0.0)


def test_a_network_trained_by_deepss_predicts_what_deepss_predicted(make_napari_viewer, qtbot, predict_messages, tmp_path):
    """DeepSS 0.32's own two-channel tcn_stft network in the widget: inside the stretch where DeepSS's output is
    the network's, the syllables are DeepSS's (fixture made by DeepSS itself)."""
    import shutil

    from deepss_fixtures import deepss_prediction

    deepss = deepss_prediction("bird2ch_tcn_stft")
    viewer = make_napari_viewer()
    audio = shutil.copy(deepss.audio, tmp_path)  # without its annotations, which proposals would not repeat
    (spectrogram, *_) = viewer.open(audio, plugin="napari-deepss")
    _, widget = viewer.window.add_plugin_dock_widget("napari-deepss", "Predict")
    widget.model.value = f"{deepss.prefix}_model.h5"
    widget.recording.value = spectrogram
    widget.run_button.clicked()
    qtbot.waitUntil(lambda: widget.run_button.enabled, timeout=TIMEOUT_MS)
    assert predict_messages["error"] == []
    name = f"{spectrogram.name}_annotations"
    table = layers_to_annotations([viewer.layers[name].as_layer_data_tuple(),
                                   viewer.layers[f"{name} events"].as_layer_data_tuple()])
    table = Annotations([approved_name(n) for n in table.names], table.start_seconds, table.stop_seconds)
    first, last = deepss.first / deepss.samplerate, (deepss.end - 1) / deepss.samplerate
    inside = sorted((n, a, b) for n, a, b in zip(table.names, table.start_seconds, table.stop_seconds)
                    if a >= first and b < last)
    theirs = [s for s in deepss.segments if s[2] < last]
    assert len(theirs) > 30 and [s[0] for s in inside] == [s[0] for s in theirs]
    np.testing.assert_allclose([s[1:] for s in inside], [s[1:] for s in theirs], atol=1e-6)


def _pulses(viewer, name="song_annotations events"):
    events = viewer.layers[name]
    return list(zip(events.features["name"].astype(str), np.asarray(events.data)[:, -1]))


def test_predicting_a_range_proposes_there_only_and_again_replaces_only_its_proposals(viewer_and_widget, tiny_network,
                                                                                     qtbot, predict_messages):
    from napari_deepss._napari.annotation_edits import editor_for
    from napari_deepss._napari.navigation import show_time, visible_time_range
    from napari_deepss._napari.recording_annotations import own_layers

    viewer, widget = viewer_and_widget
    widget.model.value = tiny_network[0] + "_model.h5"
    widget.event_thres.value = 0.3
    widget.show_probabilities.value = False
    show_time(viewer, 6.0)
    start, stop = visible_time_range(viewer)
    assert 0 < start < stop < 12
    widget.time_range.value = "visible range"
    widget.run_button.clicked()
    qtbot.waitUntil(lambda: widget.run_button.enabled, timeout=TIMEOUT_MS)
    first = _pulses(viewer)
    assert first and all(name == "pulse_proposals" and start <= t < stop for name, t in first)

    # a person approves one proposal and adds a pulse of their own; the next prediction runs to the end
    editor = editor_for(*own_layers(viewer, viewer.layers["song"]))
    editor.approve({editor.events: {0}})
    editor.add_event("pulse", start + 0.0123)
    widget.time_range.value = "from the view to the end"
    widget.run_button.clicked()
    qtbot.waitUntil(lambda: widget.run_button.enabled, timeout=TIMEOUT_MS)
    after = _pulses(viewer)
    assert ("pulse", first[0][1]) in after and ("pulse", start + 0.0123) in after  # approved and human rows stay
    proposals = sorted(t for name, t in after if name == "pulse_proposals")
    assert proposals and min(proposals) >= start and max(proposals) > stop  # re-proposed from the view to the end
    assert first[0][1] not in proposals  # what is approved is not proposed again
    assert predict_messages["error"] == []
    editor.undo()  # one undo takes the whole second prediction back
    assert sorted(_pulses(viewer)) == sorted([("pulse", first[0][1]), *first[1:], ("pulse", start + 0.0123)])


def test_the_networks_post_processing_is_the_forms_default(viewer_and_widget, tiny_network, tmp_path):
    import shutil

    import yaml

    viewer, widget = viewer_and_widget
    prefix = tmp_path / "tuned"
    shutil.copy(tiny_network[0] + "_model.h5", f"{prefix}_model.h5")
    params = yaml.safe_load(open(tiny_network[0] + "_params.yaml"))
    params["postprocess"] = {"event_thres": 0.3, "segment_minlen": 0.02}
    (tmp_path / "tuned_params.yaml").write_text(yaml.safe_dump(params))
    widget.model.value = f"{prefix}_model.h5"
    assert widget.options() == PostprocessOptions(event_thres=0.3, segment_minlen=0.02)
    assert widget.defaults.value == "Post-processing from the network: event_thres 0.3, segment_minlen 0.02"
    plain = tmp_path / "plain"  # a network without chosen options (trained with --no-post-opt, or by older code)
    shutil.copy(tiny_network[0] + "_model.h5", f"{plain}_model.h5")
    (tmp_path / "plain_params.yaml").write_text(yaml.safe_dump({k: v for k, v in params.items() if k != "postprocess"}))
    widget.model.value = f"{plain}_model.h5"
    assert widget.options() == PostprocessOptions() and "DeepSS's defaults" in widget.defaults.value
