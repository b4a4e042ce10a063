"""The Display dock: new settings show every recording in place, keep the view and the annotations, are remembered."""

from __future__ import annotations

import shutil

import numpy as np
import pytest

from napari_deepss import display_settings as ds
from napari_deepss._napari.annotation_layer import segment_times
from napari_deepss._napari.navigation import visible_time_range
from napari_deepss._napari.recording_layers import WAVEFORM, kind_of
from napari_deepss._napari.widgets.display import DisplayWidget
from napari_deepss.annotations import annotations_path_for
from napari_deepss.errors import FileFormatError

PLUGIN = "napari-deepss"


@pytest.fixture
def opened(tmp_path, bird_wav, make_napari_viewer, monkeypatch):
    monkeypatch.setenv(ds.CONFIG_DIR_VARIABLE, str(tmp_path / "config"))
    shutil.copy(annotations_path_for(bird_wav), tmp_path)
    viewer = make_napari_viewer()
    layers = viewer.open(shutil.copy(bird_wav, tmp_path), plugin=PLUGIN)
    widget = DisplayWidget(viewer)
    return widget, layers


def _fill(widget, **values):
    for name, value in values.items():
        widget.form.fields[name].value = value


def _on_screen(viewer, layer, row):
    """Height of a data row's world position above the view's centre (what the screen shows)."""
    return layer.data_to_world((row, 0))[0] - viewer.scene.camera.center[-2]


def _world_rows(layer, rows):
    """World y of data rows (frequency axis) of an image layer."""
    return np.array([layer.data_to_world((row, 0))[0] for row in rows])


def test_new_settings_keep_the_time_and_frequency_scale_the_view_and_the_annotations(opened):
    widget, (spectrogram, waveform, segments, events) = opened
    viewer = widget.viewer
    rate = spectrogram.metadata["samplerate"]
    times = segment_times(segments).copy()
    view = visible_time_range(viewer)
    top = _on_screen(viewer, spectrogram, spectrogram.level_shapes[0][0] - 0.5)
    bottom = _on_screen(viewer, waveform, -0.5)

    _fill(widget, window="512", hop="64", fmin=500.0, fmax="8000", colormap="gray_r", bandpass_low="300")
    settings = widget.apply()
    assert settings.window == 512 and widget.status.text().startswith("Applied")
    assert viewer.layers[:4] == [spectrogram, waveform, segments, events]  # the same layers, in place

    # time and frequency scale: pixel (row, frame) is at (bin Hz, frame * hop / rate s)
    first_bin = int(np.ceil(500 / (rate / 512)))
    assert spectrogram.level_shapes[0][0] == int(8000 / (rate / 512)) - first_bin + 1
    np.testing.assert_allclose(spectrogram.scale, (rate / 512, 64 / rate))
    row, frame = 10, 700
    hz, seconds = (first_bin + row) * rate / 512, frame * 64 / rate
    world = spectrogram.data_to_world((row, frame))
    assert world[1] == pytest.approx(seconds)
    np.testing.assert_allclose(world, segments.data_to_world((hz, seconds)))  # shapes in Hz and s lie over it
    assert spectrogram.metadata["freq_range"] == ((first_bin) * rate / 512, 8000.0)
    assert str(spectrogram.colormap.name) == "gray_r"

    # the annotations keep their times and span the new frequency range; the view has not moved
    np.testing.assert_array_equal(segment_times(segments), times)
    fmin, fmax = spectrogram.metadata["freq_range"]
    assert all(v[:, 0].min() == fmin and v[:, 0].max() == fmax for v in segments.data)
    assert visible_time_range(viewer) == pytest.approx(view)
    # the recording's pictures span the same part of the screen
    assert _on_screen(viewer, spectrogram, spectrogram.level_shapes[0][0] - 0.5) == pytest.approx(top)
    assert _on_screen(viewer, waveform, -0.5) == pytest.approx(bottom)
    # sample i (columns 4i..4i+3 of level 0) is centred at i / rate seconds, as the spectrogram's frames are
    assert waveform.data_to_world((0, 4 * 1000 + 1.5))[1] == pytest.approx(1000 / rate)
    assert _world_rows(waveform, [waveform.level_shapes[0][0] - 0.5]) < _world_rows(spectrogram, [-0.5])

    # remembered: the next recording opens with them
    assert ds.load_user_settings() == settings
    again = viewer.open(spectrogram.metadata["path"], plugin=PLUGIN)[0]
    assert again.scale[0] == rate / 512 and again.metadata["display_settings"] == settings


def test_the_waveform_can_be_turned_off_and_on(opened):
    widget, (spectrogram, waveform, *_) = opened
    viewer = widget.viewer
    placed = (waveform.scale, waveform.translate)
    _fill(widget, waveform=False)
    widget.apply()
    assert waveform not in viewer.layers and not any(kind_of(layer) == WAVEFORM for layer in viewer.layers)
    _fill(widget, waveform=True, waveform_gain=4.0)
    widget.apply()
    [back] = [layer for layer in viewer.layers if kind_of(layer) == WAVEFORM]
    assert viewer.layers.index(back) == viewer.layers.index(spectrogram) + 1
    np.testing.assert_allclose((back.scale, back.translate), placed)
    assert back.metadata["amplitude"] == pytest.approx(waveform.metadata["amplitude"] / 4)


def test_settings_that_make_no_image_leave_the_recording_as_it_was(opened):
    widget, (spectrogram, *_) = opened
    shape = spectrogram.level_shapes[0]
    _fill(widget, fmin=5000.0, fmax="5100")  # narrower than two rows of 250 Hz
    widget.apply()
    assert "fewer than two bins" in widget.status.text()
    np.testing.assert_array_equal(spectrogram.level_shapes[0], shape)


def test_settings_files_round_trip_and_bad_ones_name_the_file(opened, tmp_path):
    widget, _ = opened
    _fill(widget, hop="8", colormap="viridis", auto_contrast=False, contrast_min_db=-70.0, contrast_max_db=-25.0)
    path = widget.save_settings(tmp_path / "fly.yaml")
    _fill(widget, hop="", colormap="magma")
    widget.load_settings(path)
    assert widget.settings() == ds.DisplaySettings(hop=8, colormap="viridis", auto_contrast=False,
                                                   contrast_min_db=-70.0, contrast_max_db=-25.0)
    path.write_text("contrast_min_db: 0\ncontrast_max_db: -10\nauto_contrast: false\n")
    with pytest.raises(FileFormatError, match="fly.yaml.*darkest"):
        widget.load_settings(path)
