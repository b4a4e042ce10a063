"""Listening from Annotate: Play (button or a tap of Space) sends the right stretch to the sound card, a cursor follows.

The sound card is a fake that records what it was asked to play; the clock is a fake that moves when told.
"""

from __future__ import annotations

import shutil
import sys

import numpy as np
import pytest
from fake_audio import FakeClock, FakeOutput

from napari_deepss._napari import playback_control, playback_panel
from napari_deepss._napari.navigation import visible_time_range
from napari_deepss._napari.recording_layers import PLAYBACK_CURSOR, kind_of
from napari_deepss._napari.widgets.annotate import AnnotateWidget
from napari_deepss.annotations import annotations_path_for
from napari_deepss.audio import load_audio
from napari_deepss.playback import Player

PLUGIN = "napari-deepss"


@pytest.fixture
def opened(tmp_path, bird_wav, make_napari_viewer, monkeypatch):
    shutil.copy(annotations_path_for(bird_wav), tmp_path)
    wav = shutil.copy(bird_wav, tmp_path)
    viewer = make_napari_viewer()
    layers = viewer.open(wav, plugin=PLUGIN)
    output, clock = FakeOutput(), FakeClock()
    monkeypatch.setattr(playback_control, "Player", lambda: Player(lambda: output, clock))
    widget = AnnotateWidget(viewer)
    viewer.window.add_dock_widget(widget)
    samples, rate = load_audio(wav)
    return widget, layers, output, clock, samples[:, 0], rate


def _tap(viewer, key="Space"):
    keys = viewer.window._qt_viewer._key_map_handler
    keys.press_key(key)
    keys.release_key(key)


def test_play_sends_the_visible_range_at_the_chosen_speed_and_the_cursor_follows(opened):
    widget, (spectrogram, waveform, _, _), output, clock, signal, rate = opened
    viewer = widget.viewer
    widget.playback.speed.setValue(0.5)
    widget.buttons["▶ Play"].click()

    [(samples, played_rate, speed)] = output.played
    start, stop = visible_time_range(viewer)  # the first view starts a little before 0 s
    np.testing.assert_array_equal(samples, signal[: int(round(stop * rate))])
    assert (played_rate, speed) == (rate, 0.5) and start < 0
    assert widget.buttons["▶ Play"].text() == "■ Stop"

    [cursor] = [layer for layer in viewer.layers if kind_of(layer) == PLAYBACK_CURSOR]
    assert viewer.layers.selection.active is not cursor  # the cursor never becomes the layer being edited
    clock.now += 1.0  # one second of listening at half speed: half a second of the recording
    widget.playback.move_cursor()
    (bottom, t0), (top, t1) = cursor.extent.world
    assert (t0 + t1) / 2 == pytest.approx(0.5, abs=1e-3)
    # from the waveform's lower edge to the spectrogram's upper edge, in the same display coordinates
    assert bottom == pytest.approx(waveform.data_to_world((-0.5, 0))[0])
    assert top == pytest.approx(spectrogram.data_to_world((spectrogram.level_shapes[0][0] - 0.5, 0))[0])

    widget.buttons["▶ Play"].click()  # the same button, now "■ Stop"
    assert output.stops == 1 and not cursor.visible
    assert widget.buttons["▶ Play"].text() == "▶ Play"


def test_a_tap_of_space_plays_the_selected_syllable_a_held_space_pans(opened, monkeypatch):
    widget, (_, _, segments, _), output, _, signal, rate = opened
    viewer = widget.viewer
    viewer.layers.selection.active = segments
    segments.mode = "select"
    segments.selected_data = {3}
    start, stop = np.asarray(segments.features[["start_seconds", "stop_seconds"]])[3]
    assert widget.selection_label.text().startswith(f"Selected: {segments.features['name'][3]}  {start:.3f}")

    _tap(viewer)
    [(samples, _, speed)] = output.played
    np.testing.assert_array_equal(samples, signal[int(round(start * rate)) : int(round(stop * rate))])
    assert speed == 1.0 and segments.mode == "select"
    _tap(viewer)  # a second tap stops
    assert output.stops == 1

    monkeypatch.setattr(playback_panel.time, "monotonic", iter([0.0, 5.0]).__next__)  # pressed for 5 s
    keys = viewer.window._qt_viewer._key_map_handler
    keys.press_key("Space")
    assert segments.mode == "pan_zoom"  # held: napari's pan and zoom in any mode
    keys.release_key("Space")
    assert segments.mode == "select" and len(output.played) == 1  # and no sound


def test_without_the_audio_library_play_says_what_to_install(tmp_path, bird_wav, make_napari_viewer, monkeypatch):
    warnings = []
    monkeypatch.setitem(sys.modules, "sounddevice", None)
    monkeypatch.setattr(playback_panel, "show_warning", warnings.append)
    viewer = make_napari_viewer()
    viewer.open(shutil.copy(bird_wav, tmp_path), plugin=PLUGIN)
    widget = AnnotateWidget(viewer)
    widget.buttons["▶ Play"].click()
    assert len(warnings) == 1 and "pip install 'napari-deepss[audio]'" in warnings[0]
    assert widget.buttons["▶ Play"].text() == "▶ Play" and not widget.playback.playing
