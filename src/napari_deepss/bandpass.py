"""An optional band-pass filter for what is shown and played (not for datasets or training).

Zero-phase Butterworth (``scipy.signal.sosfiltfilt``): the filtered song keeps
its timing, so annotations stay over the sounds they mark. Long recordings are
never filtered whole: :meth:`BandPass.excerpt` filters a stretch with a margin
on each side, long enough for the filter to settle, and returns the stretch.
The spectrogram does not filter samples: it weights each frequency row by the
filter's gain (:meth:`BandPass.gain_db`), which is what the spectrogram of the
filtered signal shows.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

ORDER = 4
#: margin on each side of an excerpt, in periods of the lowest cut-off (the filter settles well within it)
MARGIN_PERIODS = 8
#: gains below this (dB) are shown as this
FLOOR_DB = -120.0


@dataclass(frozen=True)
class BandPass:
    """Pass ``low``..``high`` Hz; ``None`` leaves that side open (both ``None``: no filter)."""

    low: float | None = None
    high: float | None = None

    @property
    def is_off(self) -> bool:
        return self.low is None and self.high is None

    def check(self, samplerate: float) -> None:
        """ValueError unless ``0 < low < high < samplerate / 2`` (for the sides that are set)."""
        nyquist = samplerate / 2
        low = 0.0 if self.low is None else float(self.low)
        high = nyquist if self.high is None else float(self.high)
        if not (self.low is None or low > 0) or not (self.high is None or high < nyquist) or not low < high:
            raise ValueError(
                f"band-pass {self.low or 0:g}..{self.high or nyquist:g} Hz must lie inside 0..{nyquist:g} Hz "
                "(half the sample rate) with low < high"
            )

    def sos(self, samplerate: float) -> np.ndarray:
        from scipy.signal import butter

        self.check(samplerate)
        if self.low is not None and self.high is not None:
            return butter(ORDER, (self.low, self.high), btype="bandpass", fs=samplerate, output="sos")
        if self.low is not None:
            return butter(ORDER, self.low, btype="highpass", fs=samplerate, output="sos")
        return butter(ORDER, self.high, btype="lowpass", fs=samplerate, output="sos")

    def gain_db(self, frequencies: np.ndarray, samplerate: float) -> np.ndarray:
        """Power gain (dB) of the zero-phase filter at ``frequencies`` (Hz); 0 when off."""
        frequencies = np.asarray(frequencies, dtype=np.float64)
        if self.is_off:
            return np.zeros(len(frequencies))
        from scipy.signal import sosfreqz

        _, response = sosfreqz(self.sos(samplerate), worN=frequencies, fs=samplerate)
        # forward and backward: the amplitude gain is |H|**2, the power gain |H|**4
        return np.maximum(40 * np.log10(np.maximum(np.abs(response), 1e-300)), FLOOR_DB)

    def margin(self, samplerate: float) -> int:
        """Samples filtered on each side of an excerpt so that the excerpt equals the whole signal filtered."""
        lowest = min(f for f in (self.low, self.high) if f is not None)
        return math.ceil(MARGIN_PERIODS * samplerate / lowest)

    def excerpt(self, signal: np.ndarray, start: int, stop: int, samplerate: float) -> np.ndarray:
        """``signal[start:stop]`` (1-D) filtered, as float32; the samples themselves when off."""
        start, stop = max(int(start), 0), min(int(stop), len(signal))
        if self.is_off or stop <= start:
            return np.asarray(signal[start:stop], dtype=np.float32)
        from scipy.signal import sosfiltfilt

        margin = self.margin(samplerate)
        first, last = max(start - margin, 0), min(stop + margin, len(signal))
        sos = self.sos(samplerate)
        padlen = min(3 * (2 * len(sos) + 1), last - first - 1)  # scipy's default, for excerpts shorter than it
        filtered = sosfiltfilt(sos, np.asarray(signal[first:last], dtype=np.float64), padlen=padlen)
        return filtered[start - first : stop - first].astype(np.float32)
