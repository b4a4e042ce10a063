"""Log-power (dB) spectrograms of recordings, eager or as a lazy pyramid.

Geometry, the one convention every face relies on: frame ``k`` is centred on
sample ``k * hop`` (so it sits at ``k * hop / samplerate`` seconds) and row
``j`` of the image is the FFT bin ``first_bin + j`` at
``(first_bin + j) * samplerate / window`` Hz. Samples outside the recording
count as zeros.

Long recordings are never transformed at once: :func:`spectrogram_pyramid`
returns one lazy (dask) array per level (:mod:`.pyramid`), each its own STFT
with the hop multiplied by 4 per level, computed tile by tile when a viewer
asks for it.
"""

from __future__ import annotations

import dataclasses
import functools
import math
from dataclasses import dataclass

import numpy as np

from .bandpass import BandPass
from .options import Options, option
from .pyramid import LEVEL_FACTOR, TILE_COLUMNS, lazy_levels

#: default window length in seconds, rounded to a power-of-two number of samples
DEFAULT_WINDOW_SECONDS = 0.005
#: the default window has at least this many samples (65 frequency rows): at low rates (fly song at 2.5 kHz)
#: 5 ms is a dozen samples, a blocky image of a few rows
MIN_WINDOW = 128
#: default hop as a fraction of the window ...
DEFAULT_HOP_FRACTION = 4
#: ... but at most this long, so long windows at low rates still step finely in time
MAX_HOP_SECONDS = 0.0025
#: power below this (about -120 dB re a full-scale sine) is shown as the floor
POWER_FLOOR = 1e-12
#: frames per lazy tile (each level); also the largest coarsest level
TILE_FRAMES = TILE_COLUMNS
SPECTROGRAM = "spectrogram"
BAND_PASS = "band-pass"


@dataclass(frozen=True)
class SpectrogramSettings(Options):
    """What the user may choose of the spectrogram's computation; empty (``None``) means derived from the rate.

    ``window`` and ``hop`` are in samples (the window is also the FFT size);
    ``fmin``/``fmax`` in Hz crop the displayed rows; the band-pass
    (:mod:`.bandpass`) weights the rows by the filter's gain.
    """

    window: int | None = option(None, "Window (samples)", "FFT window in samples: longer gives finer frequency rows "
                                "and coarser time. Empty: about 5 ms, at least 128 samples.", group=SPECTROGRAM,
                                minimum=2)
    hop: int | None = option(None, "Hop (samples)", "Samples between two frames: smaller is smoother in time. "
                             "Empty: a quarter of the window, at most 2.5 ms.", group=SPECTROGRAM, minimum=1)
    fmin: float = option(0.0, "Lowest frequency (Hz)", "Rows below this frequency are not shown.", group=SPECTROGRAM,
                         minimum=0.0, step=50.0)
    fmax: float | None = option(None, "Highest frequency (Hz)", "Rows above this frequency are not shown. Empty: "
                                "half the sample rate.", group=SPECTROGRAM, minimum=0.0)
    bandpass_low: float | None = option(None, "Band-pass from (Hz)", "Filter out sound below this frequency "
                                        "(spectrogram, waveform and playback). Empty: no high-pass.", group=BAND_PASS,
                                        minimum=0.0)
    bandpass_high: float | None = option(None, "Band-pass to (Hz)", "Filter out sound above this frequency. Empty: "
                                         "no low-pass.", group=BAND_PASS, minimum=0.0)

    @property
    def band(self) -> BandPass:
        return BandPass(self.bandpass_low, self.bandpass_high)

    def fitted(self, samplerate: float):
        """These settings with the frequencies a recording at ``samplerate`` cannot show left open.

        Settings remembered from a bird at 32 kHz (e.g. up to 10 kHz) then show a fly at 2.5 kHz whole.
        """
        nyquist = samplerate / 2
        changes = {}
        for name in ("bandpass_low", "bandpass_high"):
            if getattr(self, name) is not None and getattr(self, name) >= nyquist:
                changes[name] = None
        if self.fmax is not None and self.fmax > nyquist:
            changes["fmax"] = None
        if self.fmin >= nyquist:
            changes["fmin"] = 0.0
        return dataclasses.replace(self, **changes) if changes else self

    def resolve(self, samplerate: float) -> SpectrogramGeometry:
        """The exact geometry for a recording at ``samplerate`` Hz.

        Raises ``ValueError`` for settings that make no image.
        """
        self.check_values()
        window = default_window(samplerate) if self.window is None else int(self.window)
        hop = default_hop(samplerate, window) if self.hop is None else int(self.hop)
        nyquist = samplerate / 2
        fmax = nyquist if self.fmax is None else float(self.fmax)
        fmin = float(self.fmin)
        if not 0 <= fmin < fmax <= nyquist:
            raise ValueError(f"spectrogram frequency range must satisfy 0 <= fmin < fmax <= {nyquist:g} Hz, not {fmin:g}..{fmax:g}")
        self.band.check(samplerate)
        step = samplerate / window
        first_bin = math.ceil(fmin / step - 1e-9)
        last_bin = min(math.floor(fmax / step + 1e-9), window // 2)
        if last_bin - first_bin < 1:
            raise ValueError(
                f"frequency range {fmin:g}..{fmax:g} Hz holds fewer than two bins of {step:g} Hz; widen it or use a longer window"
            )
        return SpectrogramGeometry(float(samplerate), window, hop, first_bin, last_bin - first_bin + 1, self.band)


@dataclass(frozen=True)
class SpectrogramGeometry:
    """Resolved sizes in samples and bins; maps pixels to seconds and Hz."""

    samplerate: float
    window: int
    hop: int
    first_bin: int
    n_bins: int
    band: BandPass = BandPass()

    @property
    def freq_step(self) -> float:
        """Hz between two rows."""
        return self.samplerate / self.window

    @property
    def time_step(self) -> float:
        """Seconds between two frames (level 0)."""
        return self.hop / self.samplerate

    @property
    def freq_range(self) -> tuple[float, float]:
        """Centre frequencies (Hz) of the first and last displayed row."""
        return (self.first_bin * self.freq_step, (self.first_bin + self.n_bins - 1) * self.freq_step)

    @property
    def frequencies(self) -> np.ndarray:
        return (self.first_bin + np.arange(self.n_bins)) * self.freq_step

    @functools.cached_property
    def row_gain_db(self) -> np.ndarray | None:
        """The band-pass's power gain (dB) of each row, or ``None`` without a band-pass."""
        return None if self.band.is_off else self.band.gain_db(self.frequencies, self.samplerate).astype(np.float32)

    def n_frames(self, n_samples: int) -> int:
        """Frames whose centre lies inside a recording of ``n_samples``."""
        return (int(n_samples) - 1) // self.hop + 1


def default_window(samplerate: float) -> int:
    """About 5 ms of samples, rounded to a power of two, but at least ``MIN_WINDOW``.

    32 kHz bird song: 128 samples (4 ms, 65 rows of 250 Hz); 2.5 kHz fly song:
    128 samples (51 ms, 65 rows of 20 Hz) where 5 ms would give 17 rows of 156 Hz.
    """
    exponent = round(math.log2(max(DEFAULT_WINDOW_SECONDS * samplerate, 1)))
    return max(MIN_WINDOW, 2**exponent)


def default_hop(samplerate: float, window: int) -> int:
    """A quarter of the window, but at most ``MAX_HOP_SECONDS`` (rounded down to a power of two samples)."""
    longest = 2 ** math.floor(math.log2(max(MAX_HOP_SECONDS * samplerate, 1)))
    return max(1, min(window // DEFAULT_HOP_FRACTION, longest))


def loudest_channel(samples: np.ndarray, block: int = 2**20) -> int:
    """Index of the channel with the largest RMS; streamed block by block.

    Memory stays at one block whatever the recording's length.
    """
    samples = np.asarray(samples)
    if samples.ndim == 1 or samples.shape[1] == 1:
        return 0
    energy = np.zeros(samples.shape[1])
    for start in range(0, samples.shape[0], block):
        chunk = samples[start : start + block].astype(np.float64)
        energy += np.einsum("ij,ij->j", chunk, chunk)
    return int(np.argmax(energy))


def stft_db(signal: np.ndarray, geometry: SpectrogramGeometry, centres: np.ndarray) -> np.ndarray:
    """dB power [n_bins, len(centres)] of Hann-windowed frames centred on ``centres`` (samples).

    0 dB is the power of a full-scale sine; silence is floored at ``POWER_FLOOR``;
    a band-pass adds its gain to each row.
    """
    window = geometry.window
    offsets = np.arange(window) - window // 2
    index = np.asarray(centres, dtype=np.int64)[:, np.newaxis] + offsets
    inside = (index >= 0) & (index < len(signal))
    frames = np.where(inside, signal[np.clip(index, 0, len(signal) - 1)], 0).astype(np.float32)
    taper = _hann(window)
    spectrum = np.fft.rfft(frames * taper, axis=1)[:, geometry.first_bin : geometry.first_bin + geometry.n_bins]
    power = np.abs(spectrum) ** 2 * (2 / taper.sum()) ** 2
    db = (10 * np.log10(np.maximum(power, POWER_FLOOR))).T
    if geometry.row_gain_db is not None:
        db = np.maximum(db + geometry.row_gain_db[:, np.newaxis], 10 * np.log10(POWER_FLOOR))
    return np.ascontiguousarray(db, dtype=np.float32)


def spectrogram(signal: np.ndarray, geometry: SpectrogramGeometry) -> np.ndarray:
    """The whole dB spectrogram [n_bins, n_frames] of a 1-D signal, computed now.

    Computed tile by tile, so the temporary frames never exceed one tile.
    """
    n_frames = geometry.n_frames(len(signal))
    tiles = [
        stft_db(signal, geometry, np.arange(start, min(start + TILE_FRAMES, n_frames)) * geometry.hop)
        for start in range(0, n_frames, TILE_FRAMES)
    ]
    return np.concatenate(tiles, axis=1)


def level_centres(geometry: SpectrogramGeometry, level: int, frames: np.ndarray) -> np.ndarray:
    """Centre samples of ``frames`` at pyramid ``level``.

    Pixel ``i`` of level ``k`` (factor ``f = 4**k``) stands for level-0 pixels
    ``i*f .. i*f+f-1``, as napari draws pyramid levels, so its frame is centred
    on the middle of those: sample ``(i*f + (f-1)/2) * hop`` (exact for even hops).
    """
    factor = LEVEL_FACTOR**level
    return np.asarray(frames, dtype=np.int64) * factor * geometry.hop + (factor - 1) * geometry.hop // 2


def spectrogram_pyramid(signal: np.ndarray, geometry: SpectrogramGeometry, coarsest_frames: int = TILE_FRAMES) -> list:
    """Lazy dB spectrogram levels (dask arrays [n_bins, frames]); nothing is computed here.

    Level ``k`` has ``4**k`` times fewer frames, each a real STFT frame with a
    hop ``4**k`` times longer (see :func:`level_centres`).
    """

    def tile(level, start, stop):
        return stft_db(signal, geometry, level_centres(geometry, level, np.arange(start, stop)))

    return lazy_levels(geometry.n_bins, geometry.n_frames(len(signal)), tile, np.float32, "spectrogram", coarsest_frames)


def estimate_contrast_limits(
    signal: np.ndarray, geometry: SpectrogramGeometry, n_excerpts: int = 16, excerpt_frames: int = 256
) -> tuple[float, float]:
    """dB limits from a few excerpts spread over the recording (never a full scan).

    The median maps to the bottom (background is dark) and the 99.9th
    percentile to the top.
    """
    n_frames = geometry.n_frames(len(signal))
    starts = np.linspace(0, max(n_frames - excerpt_frames, 0), n_excerpts).astype(np.int64)
    frames = np.unique((starts[:, np.newaxis] + np.arange(excerpt_frames)).ravel().clip(0, n_frames - 1))
    db = stft_db(signal, geometry, frames * geometry.hop)
    low, high = np.percentile(db, [50, 99.9])
    return float(low), float(max(high, low + 1.0))


def _hann(window: int) -> np.ndarray:
    """Periodic Hann taper (the STFT convention)."""
    return (0.5 - 0.5 * np.cos(2 * np.pi * np.arange(window) / window)).astype(np.float32)
