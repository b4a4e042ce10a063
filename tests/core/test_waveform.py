"""The waveform: an envelope pyramid whose every level is the min/max of the samples each column covers."""

from __future__ import annotations

import numpy as np
import pytest

from napari_deepss import waveform as wf
from napari_deepss.audio import load_audio
from napari_deepss.bandpass import BandPass
from napari_deepss.pyramid import LEVEL_FACTOR


@pytest.fixture
def fly_signal(fly_wav):
    samples, rate = load_audio(fly_wav)
    return samples[: int(8 * rate), 0], rate  # 20,000 samples


def _brute_envelope(signal, factor, n_columns):
    lows, highs = np.full(n_columns, np.nan, np.float32), np.full(n_columns, np.nan, np.float32)
    for c in range(n_columns):
        covered = signal[c * factor : (c + 1) * factor]
        if len(covered):
            lows[c], highs[c] = covered.min(), covered.max()
    return lows, highs


def test_the_envelope_at_each_level_is_the_min_and_max_of_the_samples_it_covers(fly_signal):
    signal, rate = fly_signal
    geometry = wf.WaveformGeometry(rate, len(signal), wf.peak_amplitude(signal, rate))
    levels = wf.waveform_pyramid(signal, geometry)
    assert len(levels) == 6 and levels[-1].shape[1] <= wf.COARSEST_COLUMNS
    for level, image in enumerate(levels):
        factor = LEVEL_FACTOR**level
        n_bins = -(-image.shape[1] // wf.OVERSAMPLING)  # the last bin's columns past the padded end are left out
        lows, highs = wf.envelope(signal, factor, 0, n_bins)
        np.testing.assert_array_equal(np.stack([lows, highs]), np.stack(_brute_envelope(signal, factor, n_bins)))
        # each bin is drawn 4 columns wide (so napari, drawing 1 to 4 columns per pixel, never skips one) ...
        image = np.asarray(image)
        assert np.array_equal(image, np.repeat(image[:, :: wf.OVERSAMPLING], wf.OVERSAMPLING, axis=1)[:, : image.shape[1]])
        # ... lighting the rows from its minimum to its maximum, reaching the last sample of the bin before
        drawn = image[:, :: wf.OVERSAMPLING] >= wf.TRACE
        previous = np.full(n_bins, np.nan, dtype=np.float32)
        last = signal[factor - 1 :: factor][: n_bins - 1]
        previous[1 : len(last) + 1] = last
        inside = ~np.isnan(lows)
        assert not drawn[:, ~inside].any()  # the padding past the end stays dark
        lit = drawn[:, inside]
        bottom = np.argmax(lit, axis=0)
        top = geometry.rows - 1 - np.argmax(lit[::-1], axis=0)
        np.testing.assert_array_equal(bottom, geometry.row_of(np.fmin(lows, previous)[inside]))
        np.testing.assert_array_equal(top, geometry.row_of(np.fmax(highs, previous)[inside]))
        assert np.all(lit.sum(axis=0) == top - bottom + 1)  # no holes


def test_zoomed_in_every_sample_is_a_dot_on_its_row(fly_signal):
    signal, rate = fly_signal
    geometry = wf.WaveformGeometry(rate, len(signal), 0.1)  # louder samples are clipped to the edge rows
    tile = wf.waveform_tile(signal, geometry, 0, 100, 200)
    dots = tile == wf.SAMPLE
    assert np.all(dots.sum(axis=0) == 1)
    np.testing.assert_array_equal(np.argmax(dots, axis=0), geometry.row_of(signal[100:200]))
    assert geometry.row_of(np.array([-1.0, 0.0, 1.0])).tolist() == [0, 128, 255]


def test_the_pyramid_computes_only_the_tiles_drawn(monkeypatch):
    calls = []
    original = wf.waveform_tile
    monkeypatch.setattr(wf, "waveform_tile", lambda *args: calls.append(args[2:]) or original(*args))
    signal = np.random.default_rng(0).normal(size=3_600_000).astype(np.float32)  # 6 min at 10 kHz
    levels = wf.waveform_pyramid(signal, wf.WaveformGeometry(10_000.0, len(signal), 4.0))
    assert calls == []
    levels[0][:, 5000:5100].compute()
    assert calls == [(0, 1024, 2048)]  # the tile of columns 4096..8191 draws samples 1024..2047
    levels[-1].compute()  # the coarsest level (napari's thumbnail) is one tile
    assert len(calls) == 2


def test_the_peak_is_exact_for_recordings_and_estimated_for_band_passed_ones(fly_signal):
    signal, rate = fly_signal
    assert wf.peak_amplitude(signal, rate) == np.abs(signal).max()
    assert wf.peak_amplitude(np.zeros(100, np.float32), rate) == 1.0  # silence still draws
    band = BandPass(100, 1000)
    estimate = wf.peak_amplitude(signal, rate, band)
    exact = np.abs(band.excerpt(signal, 0, len(signal), rate)).max()
    assert 0.5 * exact <= estimate <= exact * 1.001


def test_a_band_passed_waveform_is_drawn_from_the_filtered_samples(fly_signal):
    signal, rate = fly_signal
    band = BandPass(150, 600)
    geometry = wf.WaveformGeometry(rate, len(signal), 0.05, band)
    dots = wf.waveform_tile(signal, geometry, 0, 4096, 8192) == wf.SAMPLE
    assert np.all(dots.sum(axis=0) == 1)
    np.testing.assert_array_equal(np.argmax(dots, axis=0), geometry.row_of(band.excerpt(signal, 4096, 8192, rate)))
