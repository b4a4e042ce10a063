"""Log-power (dB) spectrograms of recordings, eager or as a lazy pyramid.

Geometry, the one convention every face relies on: frame ``k`` is centred on
sample ``k * hop`` (so it sits at ``k * hop / samplerate`` seconds) and row
``j`` of the image is the FFT bin ``first_bin + j`` at
``(first_bin + j) * samplerate / window`` Hz. Samples outside the recording
count as zeros.

Long recordings are never transformed at once: :func:`spectrogram_pyramid`
returns one lazy (dask) array per level, each its own STFT with the hop
multiplied by 4 per level, computed tile by tile when a viewer asks for it.
Pooling a full-resolution level instead would compute the whole recording for
the first, zoomed-out view.
"""

from __future__ import annotations

import functools
import math
import uuid
from dataclasses import dataclass

import numpy as np

#: default window length in seconds, rounded to a power-of-two number of samples
DEFAULT_WINDOW_SECONDS = 0.005
#: at low rates (fly song at 2.5 kHz) 5 ms is too few samples for readable frequency rows
MIN_WINDOW = 32
#: default hop as a fraction of the window
DEFAULT_HOP_FRACTION = 4
#: power below this (about -120 dB re a full-scale sine) is shown as the floor
POWER_FLOOR = 1e-12
LEVEL_FACTOR = 4
#: frames per lazy tile (each level); also the largest coarsest level
TILE_FRAMES = 4096


@dataclass(frozen=True)
class SpectrogramSettings:
    """What the user may choose; ``None`` means a default derived from the rate.

    ``window`` and ``hop`` are in samples (the window is also the FFT size);
    ``fmin``/``fmax`` in Hz crop the displayed rows.
    """

    window: int | None = None
    hop: int | None = None
    fmin: float = 0.0
    fmax: float | None = None

    def resolve(self, samplerate: float) -> SpectrogramGeometry:
        """The exact geometry for a recording at ``samplerate`` Hz.

        Raises ``ValueError`` for settings that make no image.
        """
        window = default_window(samplerate) if self.window is None else int(self.window)
        if window < 2:
            raise ValueError(f"spectrogram window must be at least 2 samples, not {window}")
        hop = max(1, window // DEFAULT_HOP_FRACTION) if self.hop is None else int(self.hop)
        if hop < 1:
            raise ValueError(f"spectrogram hop must be at least 1 sample, not {hop}")
        nyquist = samplerate / 2
        fmax = nyquist if self.fmax is None else float(self.fmax)
        fmin = float(self.fmin)
        if not 0 <= fmin < fmax <= nyquist:
            raise ValueError(f"spectrogram frequency range must satisfy 0 <= fmin < fmax <= {nyquist:g} Hz, not {fmin:g}..{fmax:g}")
        step = samplerate / window
        first_bin = math.ceil(fmin / step - 1e-9)
        last_bin = min(math.floor(fmax / step + 1e-9), window // 2)
        if last_bin - first_bin < 1:
            raise ValueError(
                f"frequency range {fmin:g}..{fmax:g} Hz holds fewer than two bins of {step:g} Hz; widen it or use a longer window"
            )
        return SpectrogramGeometry(float(samplerate), window, hop, first_bin, last_bin - first_bin + 1)


@dataclass(frozen=True)
class SpectrogramGeometry:
    """Resolved sizes in samples and bins; maps pixels to seconds and Hz."""

    samplerate: float
    window: int
    hop: int
    first_bin: int
    n_bins: int

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

    def n_frames(self, n_samples: int) -> int:
        """Frames whose centre lies inside a recording of ``n_samples``."""
        return (int(n_samples) - 1) // self.hop + 1


def default_window(samplerate: float) -> int:
    """About 5 ms of samples, rounded to a power of two (at least ``MIN_WINDOW``)."""
    exponent = round(math.log2(max(DEFAULT_WINDOW_SECONDS * samplerate, 1)))
    return max(MIN_WINDOW, 2**exponent)


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

    0 dB is the power of a full-scale sine; silence is floored at ``POWER_FLOOR``.
    """
    window = geometry.window
    offsets = np.arange(window) - window // 2
    index = np.asarray(centres, dtype=np.int64)[:, np.newaxis] + offsets
    inside = (index >= 0) & (index < len(signal))
    frames = np.where(inside, signal[np.clip(index, 0, len(signal) - 1)], 0).astype(np.float32)
    taper = _hann(window)
    spectrum = np.fft.rfft(frames * taper, axis=1)[:, geometry.first_bin : geometry.first_bin + geometry.n_bins]
    power = np.abs(spectrum) ** 2 * (2 / taper.sum()) ** 2
    return np.ascontiguousarray((10 * np.log10(np.maximum(power, POWER_FLOOR))).T, dtype=np.float32)


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


def pyramid_shape(n_frames: int, coarsest_frames: int = TILE_FRAMES) -> tuple[int, int]:
    """``(n_levels, padded_frames)``: levels until the coarsest has at most ``coarsest_frames``.

    Level 0 is padded (with frames past the end) to a multiple of ``4**(n_levels-1)``
    so every level is exactly 4 times shorter than the one before.
    """
    n_levels = 1
    while math.ceil(n_frames / LEVEL_FACTOR ** (n_levels - 1)) > coarsest_frames:
        n_levels += 1
    top = LEVEL_FACTOR ** (n_levels - 1)
    return n_levels, math.ceil(n_frames / top) * top


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
    import dask.array as da

    n_levels, padded = pyramid_shape(geometry.n_frames(len(signal)), coarsest_frames)
    token = uuid.uuid4().hex
    levels = []
    for level in range(n_levels):
        n_frames = padded // LEVEL_FACTOR**level
        tiles = (TILE_FRAMES,) * (n_frames // TILE_FRAMES) + ((n_frames % TILE_FRAMES,) if n_frames % TILE_FRAMES else ())
        levels.append(
            da.map_blocks(
                functools.partial(_compute_tile, signal, geometry, level),
                chunks=((geometry.n_bins,), tiles),
                dtype=np.float32,
                meta=np.empty((0, 0), dtype=np.float32),
                # a fresh name: dask (and napari's dask cache) must never mix two recordings' tiles
                name=f"deepss-spectrogram-{token}-level{level}",
            )
        )
    return levels


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


def _compute_tile(signal, geometry, level, block_info=None):
    start, stop = block_info[None]["array-location"][1]
    return stft_db(signal, geometry, level_centres(geometry, level, np.arange(start, stop)))


def _hann(window: int) -> np.ndarray:
    """Periodic Hann taper (the STFT convention)."""
    return (0.5 - 0.5 * np.cos(2 * np.pi * np.arange(window) / window)).astype(np.float32)
