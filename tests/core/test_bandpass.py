"""The display band-pass: excerpts equal the whole recording filtered; the spectrogram shows its gain."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.signal import sosfiltfilt

from napari_deepss import spectrogram as sg
from napari_deepss.audio import load_audio
from napari_deepss.bandpass import BandPass


def test_an_excerpt_is_the_whole_recording_filtered(bird_wav):
    samples, rate = load_audio(bird_wav)
    signal = samples[:, 0]
    for band in (BandPass(500, 8000), BandPass(low=2000), BandPass(high=3000)):
        whole = sosfiltfilt(band.sos(rate), signal.astype(np.float64))
        for start, stop in ((0, 5000), (40_000, 44_096), (len(signal) - 3000, len(signal))):
            np.testing.assert_allclose(band.excerpt(signal, start, stop, rate), whole[start:stop], atol=1e-5)
    np.testing.assert_array_equal(BandPass().excerpt(signal, 10, 20, rate), signal[10:20])
    assert len(BandPass(500, 8000).excerpt(signal, 0, 3, rate)) == 3  # shorter than the filter's padding


@pytest.mark.parametrize("band", [BandPass(0, 100), BandPass(500, 400), BandPass(high=5000), BandPass(low=6000)])
def test_bands_outside_the_recording_are_refused(band):
    with pytest.raises(ValueError, match="band-pass"):
        band.check(10_000.0)


def test_the_spectrogram_shows_the_band_pass_gain():
    rate = 10_000.0
    t = np.arange(int(rate)) / rate
    signal = (0.5 * np.sin(2 * np.pi * 500 * t) + 0.5 * np.sin(2 * np.pi * 3000 * t)).astype(np.float32)
    plain = sg.SpectrogramSettings().resolve(rate)
    banded = sg.SpectrogramSettings(bandpass_low=2000, bandpass_high=4000).resolve(rate)
    before, after = sg.spectrogram(signal, plain)[:, 40], sg.spectrogram(signal, banded)[:, 40]
    low_row, high_row = (int(np.argmin(np.abs(plain.frequencies - f))) for f in (500, 3000))
    assert after[high_row] == pytest.approx(before[high_row], abs=0.1)  # the pass band is unchanged
    assert after[low_row] < before[low_row] - 60  # 500 Hz is filtered out
    np.testing.assert_allclose(after - before, np.maximum(banded.row_gain_db, -120 - before), atol=1e-3)
