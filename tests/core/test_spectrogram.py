"""Spectrogram core: geometry, settings, channel choice, lazy pyramid, contrast."""

from __future__ import annotations

import numpy as np
import pytest

from napari_deepss import spectrogram as sg
from napari_deepss.annotations import annotations_path_for, read_annotations
from napari_deepss.audio import load_audio

RATE = 10_000.0


def _tone_and_click(duration=1.0, freq=1250.0, tone=(0.5, 0.7), click_sample=3200):
    t = np.arange(int(duration * RATE)) / RATE
    signal = np.where((t >= tone[0]) & (t < tone[1]), np.sin(2 * np.pi * freq * t), 0.0)
    signal[click_sample] = 1.0
    return signal.astype(np.float32)


@pytest.fixture
def stft_calls(monkeypatch):
    """Count frames transformed by ``stft_db`` (the function every tile calls)."""
    calls = []
    original = sg.stft_db

    def counting(signal, geometry, centres):
        calls.append(len(centres))
        return original(signal, geometry, centres)

    monkeypatch.setattr(sg, "stft_db", counting)
    return calls


@pytest.mark.parametrize(("rate", "window", "hop"),
                         [(2500, 128, 4), (10_000, 128, 16), (32_000, 128, 32), (44_100, 256, 64), (250_000, 1024, 256)])
def test_default_window_is_about_5ms_as_power_of_two_with_enough_rows(rate, window, hop):
    """Issue 12: at 2.5 kHz 5 ms gave a 17-row image; the window has at least 128 samples, the hop at most 2.5 ms."""
    geometry = sg.SpectrogramSettings().resolve(rate)
    assert geometry.window == window and geometry.n_bins >= 65
    assert geometry.hop == hop and geometry.time_step <= 0.0025 and geometry.hop <= window // 4
    assert geometry.freq_range == (0.0, rate / 2)


def test_tone_and_click_land_on_their_frequency_row_and_time_column():
    signal = _tone_and_click()
    geometry = sg.SpectrogramSettings().resolve(RATE)
    db = sg.spectrogram(signal, geometry)
    assert db.shape == (geometry.n_bins, geometry.n_frames(len(signal)))

    tone_frame = int(0.6 * RATE) // geometry.hop
    row = int(np.argmax(db[:, tone_frame]))
    assert geometry.frequencies[row] == 1250.0
    assert db[row, tone_frame] == pytest.approx(0.0, abs=0.01)  # full-scale sine = 0 dB

    # frame k is centred on sample k*hop: the click at sample 3200 peaks in frame 200, at 0.32 s
    broadband = db[geometry.n_bins // 2 :, :].mean(axis=0)
    click_frame = int(np.argmax(broadband[: int(0.45 * RATE) // geometry.hop]))
    assert click_frame == 200
    assert click_frame * geometry.time_step == pytest.approx(0.32)


def test_window_hop_and_frequency_range_are_honoured():
    signal = _tone_and_click()
    geometry = sg.SpectrogramSettings(window=256, hop=100, fmin=1000, fmax=3000).resolve(RATE)
    assert (geometry.window, geometry.hop) == (256, 100)
    assert geometry.freq_step == pytest.approx(RATE / 256)
    low, high = geometry.freq_range
    assert 1000 <= low < 1000 + geometry.freq_step
    assert 3000 - geometry.freq_step < high <= 3000
    db = sg.spectrogram(signal, geometry)
    assert db.shape == (geometry.n_bins, (len(signal) - 1) // 100 + 1)
    assert geometry.frequencies[np.argmax(db[:, 60])] == pytest.approx(1250, abs=geometry.freq_step / 2)


@pytest.mark.parametrize(
    "settings",
    [
        sg.SpectrogramSettings(fmin=3000, fmax=2000),
        sg.SpectrogramSettings(fmax=6000),
        sg.SpectrogramSettings(window=1),
        sg.SpectrogramSettings(hop=0),
        sg.SpectrogramSettings(window=16, fmin=1000, fmax=1100),
    ],
)
def test_settings_that_make_no_image_are_refused(settings):
    with pytest.raises(ValueError):
        settings.resolve(RATE)


def test_loudest_channel_is_found_block_by_block():
    rng = np.random.default_rng(0)
    samples = rng.normal(size=(10_000, 3)).astype(np.float32) * np.array([0.1, 0.5, 0.2], dtype=np.float32)
    assert sg.loudest_channel(samples, block=999) == 1
    assert sg.loudest_channel(samples[:, :1]) == 0


def test_pyramid_levels_are_exact_stfts_and_computed_only_on_demand(fly_wav, stft_calls):
    samples, rate = load_audio(fly_wav)
    signal = samples[: int(6 * rate), 0]
    geometry = sg.SpectrogramSettings().resolve(rate)
    levels = sg.spectrogram_pyramid(signal, geometry, coarsest_frames=100)
    assert stft_calls == []  # building the pyramid computes nothing

    n_frames = geometry.n_frames(len(signal))
    assert len(levels) == 4
    assert levels[0].shape[1] >= n_frames
    for level, data in enumerate(levels):
        assert data.shape == (geometry.n_bins, levels[0].shape[1] // 4**level)

    eager = sg.spectrogram(signal, geometry)
    stft_calls.clear()
    np.testing.assert_array_equal(levels[0][:, :n_frames].compute(), eager)
    assert sum(stft_calls) == levels[0].shape[1]  # each frame once, tile by tile

    # level k pixel i stands for level-0 pixels i*f .. i*f+f-1: its frame is centred on their middle
    for level in (1, 2, 3):
        factor = 4**level
        frames = np.arange(levels[level].shape[1])
        centres = frames * factor * geometry.hop + (factor - 1) * geometry.hop // 2
        np.testing.assert_array_equal(levels[level].compute(), sg.stft_db(signal, geometry, centres))


def test_pyramid_computes_only_the_tiles_asked_for(stft_calls):
    signal = np.zeros(int(600 * RATE), dtype=np.float32)
    geometry = sg.SpectrogramSettings().resolve(RATE)
    levels = sg.spectrogram_pyramid(signal, geometry)
    assert stft_calls == []
    levels[0][:, 10:20].compute()
    assert stft_calls == [sg.TILE_FRAMES]
    assert levels[-1].shape[1] <= sg.TILE_FRAMES


def test_contrast_limits_come_from_a_small_sample(bird_wav, stft_calls):
    samples, rate = load_audio(bird_wav)
    geometry = sg.SpectrogramSettings().resolve(rate)
    low, high = sg.estimate_contrast_limits(samples[:, 0], geometry, n_excerpts=8, excerpt_frames=128)
    assert sum(stft_calls) <= 8 * 128
    full = sg.spectrogram(samples[:, 0], geometry)
    assert low == pytest.approx(np.median(full), abs=3)
    assert np.median(full) < high <= full.max()


def test_annotated_bird_syllables_are_louder_than_the_gaps(bird_wav):
    samples, rate = load_audio(bird_wav)
    geometry = sg.SpectrogramSettings().resolve(rate)
    db = sg.spectrogram(samples[:, 0], geometry)
    times = np.arange(db.shape[1]) * geometry.time_step
    annotations = read_annotations(annotations_path_for(bird_wav))
    inside = np.zeros(len(times), dtype=bool)
    for segments in annotations.segments().values():
        for start, stop in segments:
            inside |= (times >= start) & (times <= stop)
    loudness = db.mean(axis=0)
    assert loudness[inside].mean() > loudness[~inside].mean() + 6
