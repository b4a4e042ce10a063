"""The waveform layer: opened with every recording, below its spectrogram, in the first view, following Shift-C."""

from __future__ import annotations

import numpy as np
import pytest

from napari_deepss._napari import viewer_hooks as vh
from napari_deepss._napari.navigation import visible_time_range, zoom_time
from napari_deepss.audio import save_wav

PLUGIN = "napari-deepss"
RATE = 8000


def _two_channels(path):
    """Channel 0: a quiet 500 Hz tone; channel 1: a loud 2 kHz tone (the loudest, shown first)."""
    t = np.arange(3 * RATE) / RATE
    save_wav(path, np.stack([0.1 * np.sin(2 * np.pi * 500 * t), 0.8 * np.sin(2 * np.pi * 2000 * t)], axis=1), RATE)
    return path


def _screen_rows(viewer, layer):
    """Screen rows (from the canvas's top) of an image layer's lower and upper edge."""
    height = viewer.canvas.size[0]
    centre, zoom = viewer.scene.camera.center[-2], viewer.scene.camera.zoom
    return [height / 2 - (layer.data_to_world((row, 0))[0] - centre) * zoom for row in (-0.5, layer.level_shapes[0][0] - 0.5)]


def test_the_first_view_fills_the_canvas_with_spectrogram_and_waveform(make_napari_viewer, qtbot, bird_wav):
    viewer = make_napari_viewer()
    spectrogram, waveform, *_ = viewer.open(bird_wav, plugin=PLUGIN)
    qtbot.wait(50)
    height = viewer.canvas.size[0]
    (wave_bottom, wave_top), (spec_bottom, spec_top) = _screen_rows(viewer, waveform), _screen_rows(viewer, spectrogram)
    assert wave_top > spec_bottom  # below the spectrogram, not overlapping
    assert 0 <= spec_top < 0.03 * height and 0.97 * height < wave_bottom <= height  # top to bottom
    start, stop = visible_time_range(viewer)
    assert -0.1 < start < 0 and stop - start == pytest.approx(4 / vh.FILL, rel=1e-3)

    zoom_time(viewer, 4)  # a quarter of the time, the same height on screen
    assert _screen_rows(viewer, spectrogram) == pytest.approx([spec_bottom, spec_top], abs=0.5)
    assert _screen_rows(viewer, waveform) == pytest.approx([wave_bottom, wave_top], abs=0.5)


def test_the_waveform_shows_the_spectrograms_channel_and_follows_shift_c(make_napari_viewer, qtbot, tmp_path):
    viewer = make_napari_viewer()
    spectrogram, waveform = viewer.open(_two_channels(tmp_path / "two.wav"), plugin=PLUGIN)
    assert spectrogram.metadata["channel"] == waveform.metadata["channel"] == 1
    assert waveform.metadata["amplitude"] == pytest.approx(0.8, rel=1e-3)
    loud = np.asarray(waveform.data[0][:, 4000:4400])

    viewer.window._qt_viewer._key_map_handler.press_key(vh.NEXT_CHANNEL_KEY)
    qtbot.wait(10)
    assert spectrogram.metadata["channel"] == waveform.metadata["channel"] == 0
    assert waveform.metadata["amplitude"] == pytest.approx(0.1, rel=1e-3)  # scaled to the quiet channel's peak
    quiet = np.asarray(waveform.data[0][:, 4000:4400])
    # 2 kHz at 8 kHz: 4 samples a period; 500 Hz: 16. Count the rising zero crossings of the drawn samples.
    def periods(image):
        rows = np.argmax(image[:, ::4] == 255, axis=0) - image.shape[0] / 2
        return int(np.sum((rows[:-1] < 0) & (rows[1:] >= 0)))
    assert periods(loud) == pytest.approx(100 / 4, abs=1) and periods(quiet) == pytest.approx(100 / 16, abs=1)
