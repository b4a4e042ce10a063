"""The spectrogram image layer and the viewer hooks: coordinates, first view, pyramid laziness, channels."""

from __future__ import annotations

import numpy as np
import pytest

from napari_deepss import spectrogram as sg
from napari_deepss._napari import spectrogram_layer as sl
from napari_deepss._napari import viewer_hooks as vh
from napari_deepss.audio import load_audio

RATE = 10_000.0


def _tones(duration, channels):
    """One sine per channel, (frequency, amplitude) each, from 0.5 s to 0.7 s."""
    t = np.arange(int(duration * RATE)) / RATE
    on = (t >= 0.5) & (t < 0.7)
    return np.stack([amp * np.sin(2 * np.pi * freq * t) * on for freq, amp in channels], axis=1).astype(np.float32)


def _add(viewer, samples, rate, **kwargs):
    data, layer_kwargs, layer_type = sl.spectrogram_layer_data(samples, rate, **kwargs)
    assert layer_type == "image"
    return viewer.add_image(data, **layer_kwargs)


@pytest.fixture
def stft_frames(monkeypatch):
    calls = []
    original = sg.stft_db
    monkeypatch.setattr(sg, "stft_db", lambda signal, geometry, centres: calls.append(len(centres)) or original(signal, geometry, centres))
    return calls


def test_layer_data_places_pixels_in_hz_and_seconds(bird_wav):
    samples, rate = load_audio(bird_wav)
    data, kwargs, _ = sl.spectrogram_layer_data(samples, rate, path=bird_wav, settings=sg.SpectrogramSettings(fmin=500, fmax=8000))
    geometry = sg.SpectrogramSettings(fmin=500, fmax=8000).resolve(rate)
    assert kwargs["scale"] == (rate / geometry.window, geometry.hop / rate)
    assert kwargs["translate"] == (geometry.first_bin * rate / geometry.window, 0.0)
    assert kwargs["axis_labels"] == ("frequency", "time")
    assert kwargs["units"] == ("Hz", "s")
    assert kwargs["multiscale"] is False and data.shape == (geometry.n_bins, geometry.n_frames(len(samples)))
    low, high = kwargs["contrast_limits"]
    assert low < high
    meta = kwargs["metadata"]
    assert meta["deepss_kind"] == "spectrogram" and meta["path"] == str(bird_wav) and kwargs["name"] == bird_wav.stem
    assert (meta["samplerate"], meta["n_channels"], meta["channel"]) == (rate, 1, 0)
    assert meta["freq_range"] == geometry.freq_range and 500 <= meta["freq_range"][0] < meta["freq_range"][1] <= 8000
    assert meta["duration_seconds"] == pytest.approx(len(samples) / rate)


def test_loudest_channel_is_the_default_and_a_missing_channel_is_refused():
    samples = _tones(1.0, [(1000, 0.1), (3000, 0.8), (2000, 0.3)])
    assert sl.spectrogram_layer_data(samples, RATE)[1]["metadata"]["channel"] == 1
    assert sl.spectrogram_layer_data(samples, RATE, channel=2)[1]["metadata"]["channel"] == 2
    with pytest.raises(ValueError, match="channel 3"):
        sl.spectrogram_layer_data(samples, RATE, channel=3)


def _visible_world(viewer):
    height, width = viewer.canvas.size
    (f_centre, t_centre), zoom = viewer.scene.camera.center[-2:], viewer.scene.camera.zoom
    return (t_centre - width / zoom / 2, t_centre + width / zoom / 2), (f_centre - height / zoom / 2, f_centre + height / zoom / 2)


def test_viewer_shows_frequency_upward_and_the_first_seconds(make_napari_viewer, qtbot, fly_wav):
    viewer = make_napari_viewer()
    vh.install_viewer_hooks(viewer)
    vh.install_viewer_hooks(viewer)  # idempotent
    samples, rate = load_audio(fly_wav)
    layer = _add(viewer, samples, rate, path=fly_wav)
    qtbot.wait(50)  # let napari process its own first-layer events

    assert layer.multiscale  # 60 s at 2.5 kHz with a 1.6 ms hop
    geometry = sg.SpectrogramSettings().resolve(rate)
    np.testing.assert_allclose(layer.scale, [geometry.freq_step, geometry.time_step])
    np.testing.assert_allclose(layer.translate, [0, 0])
    assert [str(unit) for unit in layer.units] == ["hertz", "second"]
    assert tuple(viewer.dims.axis_labels) == ("frequency", "time")
    assert viewer.scene.camera.orientation[1] == "up"

    (t_left, t_right), (f_bottom, f_top) = _visible_world(viewer)
    assert -0.5 < t_left < 0.1 and 3 < t_right - t_left < 6  # a few seconds from the start
    (f_low, _), (f_high, _) = layer.extent.world
    assert f_bottom <= f_low and f_high <= f_top  # the whole frequency range is in view
    assert f_high - f_low > 0.3 * (f_top - f_bottom)  # ... and not a thin strip


def test_shapes_in_hz_and_seconds_lie_over_the_image(make_napari_viewer):
    viewer = make_napari_viewer()
    vh.install_viewer_hooks(viewer)
    image = _add(viewer, _tones(1.0, [(1250, 1.0)]), RATE)
    shapes = viewer.add_shapes(
        [[[1250, 0.6], [1250, 0.6]]], shape_type="line", metadata={"deepss_kind": "annotations"}
    )
    plain = viewer.add_shapes([[[0, 0], [1, 1]]], shape_type="line")

    geometry = sg.SpectrogramSettings().resolve(RATE)
    column = int(0.6 * RATE) // geometry.hop
    row = int(np.argmax(np.asarray(image.data)[:, column]))
    np.testing.assert_allclose(image.data_to_world((row, column)), shapes.data_to_world((1250, 0.6)))
    assert image.data_to_world((row, column))[1] == pytest.approx(0.6)  # time stays in seconds
    np.testing.assert_allclose(plain.affine.affine_matrix, np.eye(3))  # layers in world units are left alone
    assert vh.display_frequency_scale(viewer) == pytest.approx(image.affine.affine_matrix[0, 0])


def test_long_recording_computes_only_what_is_drawn(make_napari_viewer, qtbot, stft_frames):
    viewer = make_napari_viewer()
    vh.install_viewer_hooks(viewer)
    samples = np.random.default_rng(1).normal(scale=0.01, size=(int(600 * RATE), 1)).astype(np.float32)
    layer = _add(viewer, samples, RATE)
    qtbot.wait(50)

    total = layer.level_shapes[0][1]
    np.testing.assert_array_equal(layer.downsample_factors[:, 1], 4.0 ** np.arange(len(layer.level_shapes)))
    np.testing.assert_array_equal(layer.downsample_factors[:, 0], 1)
    assert 0 < sum(stft_frames) < total / 20  # contrast sample + visible tiles + thumbnail, not the recording


def test_channel_switch_by_function_and_key_keeps_the_view(make_napari_viewer, qtbot):
    viewer = make_napari_viewer()
    vh.install_viewer_hooks(viewer)
    layer = _add(viewer, _tones(20.0, [(1000, 0.2), (3000, 0.9)]), RATE)
    geometry = sg.SpectrogramSettings().resolve(RATE)
    column = int(0.6 * RATE) // geometry.hop

    def peak_hz():
        return geometry.frequencies[int(np.argmax(np.asarray(layer.data[0])[:, column]))]

    assert layer.metadata["channel"] == 1 and peak_hz() == pytest.approx(3000, abs=geometry.freq_step)
    camera = (viewer.scene.camera.center, viewer.scene.camera.zoom)
    sl.set_channel(layer, 0)
    assert layer.metadata["channel"] == 0 and peak_hz() == pytest.approx(1000, abs=geometry.freq_step)
    assert (viewer.scene.camera.center, viewer.scene.camera.zoom) == camera

    viewer.add_shapes(metadata={"deepss_kind": "annotations"})  # another layer is selected: the key still works
    viewer.window._qt_viewer._key_map_handler.press_key(vh.NEXT_CHANNEL_KEY)
    qtbot.wait(10)
    assert layer.metadata["channel"] == 1 and peak_hz() == pytest.approx(3000, abs=geometry.freq_step)
    with pytest.raises(ValueError, match="channel 2"):
        sl.set_channel(layer, 2)


def test_a_recording_opened_after_the_previous_was_closed_gets_its_own_view(make_napari_viewer, qtbot, bird_wav):
    viewer = make_napari_viewer()
    vh.install_viewer_hooks(viewer)
    early = viewer.add_shapes(metadata={"deepss_kind": "annotations"})  # before any spectrogram: left alone
    np.testing.assert_allclose(early.affine.affine_matrix, np.eye(3))
    first = _add(viewer, _tones(30.0, [(1000, 0.5)]), RATE)
    first_scale = vh.display_frequency_scale(viewer)
    assert early.affine.affine_matrix[0, 0] == pytest.approx(first_scale)
    viewer.layers.remove(first)
    viewer.scene.camera.zoom /= 10

    samples, rate = load_audio(bird_wav)  # 16 kHz wide instead of 5 kHz
    second = _add(viewer, samples, rate)
    qtbot.wait(50)
    height = second.level_shapes[0][0] * second.scale[0] * vh.display_frequency_scale(viewer)
    # the bird's range fills the canvas's height, not the first recording's (issue 12: the first view fills the canvas)
    assert height == pytest.approx(vh.FILL * viewer.canvas.size[0] / viewer.scene.camera.zoom)
    assert early.affine.affine_matrix[0, 0] == pytest.approx(vh.display_frequency_scale(viewer))
    (t_left, t_right), _ = _visible_world(viewer)
    assert 3 < t_right - t_left < 6
    assert second.affine.affine_matrix[0, 0] == pytest.approx(vh.display_frequency_scale(viewer))
