"""The waveform of one channel as a lazy image: a min/max envelope pyramid drawn into rows of amplitude.

Bin ``b`` of level ``k`` (``f = 4**k`` samples per bin) is the envelope of
samples ``b*f .. b*f+f-1``: their minimum and maximum (:func:`envelope`).
Drawn (:func:`waveform_tile`), a bin lights the rows from its minimum to its
maximum, widened to reach the last sample of the bin before, so that the
trace stays connected where it is steep. At level 0 a bin is one sample:
zoomed in, every sample is a bright dot on a dimmer line joining it to the
previous one.

Each bin is drawn ``OVERSAMPLING`` (4) columns wide (:func:`waveform_pyramid`).
napari draws the level whose columns are 1 to 4 per screen pixel and skips the
others, which would drop short pulses from a min/max display; with bins 4
columns wide, every bin is drawn on at least one pixel, at every zoom.

Rows span ``-amplitude .. amplitude`` from bottom (row 0) to top; louder
samples are drawn on the edge rows. Like the spectrogram, nothing is computed
until a viewer draws a tile, so an hour-long recording opens at once.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .bandpass import BandPass
from .pyramid import LEVEL_FACTOR, lazy_levels

#: amplitude rows of the image
ROWS = 256
#: pixel values: nothing, the zero line, the envelope or the line between samples, a sample
BACKGROUND, BASELINE, TRACE, SAMPLE = 0, 60, 170, 255
#: image columns per bin (napari's levels are 4 times coarser each: see the module docstring)
OVERSAMPLING = LEVEL_FACTOR
#: the coarsest level has at most this many columns: napari draws a view of the whole recording from a level
#: with 1 to 4 columns per screen pixel only if the coarsest is no wider than the canvas
COARSEST_COLUMNS = 256
#: recordings up to this many samples have their peak found exactly (a pass of a fraction of a second)
EXACT_PEAK_SAMPLES = 2**26
BLOCK = 2**20


@dataclass(frozen=True)
class WaveformGeometry:
    """A channel's image: ``rows`` amplitude rows over ``-amplitude..amplitude``, one level-0 column per sample."""

    samplerate: float
    n_samples: int
    amplitude: float
    band: BandPass = BandPass()
    rows: int = ROWS

    @property
    def row_step(self) -> float:
        """Amplitude between two rows."""
        return 2 * self.amplitude / (self.rows - 1)

    def row_of(self, values: np.ndarray) -> np.ndarray:
        """The row of each amplitude (clipped to the image)."""
        rows = np.rint((np.asarray(values, dtype=np.float64) + self.amplitude) / self.row_step)
        return np.clip(rows, 0, self.rows - 1).astype(np.int64)


def envelope(signal: np.ndarray, factor: int, start: int, stop: int) -> tuple[np.ndarray, np.ndarray]:
    """``(minimum, maximum)`` of the samples of columns ``start..stop-1`` of ``factor`` samples each.

    Columns past the end of ``signal`` are NaN; the last column may cover fewer samples.
    """
    x = np.asarray(signal[start * factor : stop * factor], dtype=np.float32)
    return _envelope_of(x, factor, stop - start)


def _envelope_of(x: np.ndarray, factor: int, n_columns: int) -> tuple[np.ndarray, np.ndarray]:
    lows = np.full(n_columns, np.nan, dtype=np.float32)
    highs = lows.copy()
    if len(x):
        offsets = np.arange(0, len(x), factor)
        lows[: len(offsets)] = np.minimum.reduceat(x, offsets)
        highs[: len(offsets)] = np.maximum.reduceat(x, offsets)
    return lows, highs


def peak_amplitude(signal: np.ndarray, samplerate: float, band: BandPass = BandPass(), n_excerpts: int = 64,
                   excerpt_samples: int = 8192) -> float:
    """The largest absolute sample value (1.0 for silence).

    Exact, block by block, for recordings up to ``EXACT_PEAK_SAMPLES``;
    longer or band-passed recordings are estimated from excerpts spread over
    them (filtering a whole long recording would take seconds).
    """
    n = len(signal)
    if band.is_off and n <= EXACT_PEAK_SAMPLES:
        peak = max(float(np.max(np.abs(np.asarray(signal[i : i + BLOCK], dtype=np.float32)))) for i in range(0, n, BLOCK))
    else:
        starts = np.linspace(0, max(n - excerpt_samples, 0), n_excerpts).astype(np.int64)
        peak = max(float(np.max(np.abs(band.excerpt(signal, s, s + excerpt_samples, samplerate)))) for s in starts)
    return peak if peak > 0 and np.isfinite(peak) else 1.0


def waveform_tile(signal: np.ndarray, geometry: WaveformGeometry, level: int, start: int, stop: int) -> np.ndarray:
    """Bins ``start..stop-1`` of ``level`` drawn, one column each: uint8 ``[rows, stop-start]`` (module docstring)."""
    factor = LEVEL_FACTOR**level
    first = start * factor
    before = 1 if first > 0 else 0  # the last sample of the column before, to connect the trace
    x = geometry.band.excerpt(signal, first - before, stop * factor, geometry.samplerate)
    lows, highs = _envelope_of(x[before:], factor, stop - start)
    index = before - 1 + np.arange(stop - start) * factor  # -1: the recording's first column has none before
    previous = np.full(stop - start, np.nan, dtype=np.float32)
    known = (index >= 0) & (index < len(x))
    previous[known] = x[index[known]]
    inside = ~np.isnan(lows)
    low_rows = geometry.row_of(np.where(inside, np.fmin(lows, previous), 0))
    high_rows = geometry.row_of(np.where(inside, np.fmax(highs, previous), 0))
    rows = np.arange(geometry.rows)[:, np.newaxis]
    image = np.where((rows >= low_rows) & (rows <= high_rows) & inside, TRACE, BACKGROUND).astype(np.uint8)
    if factor == 1:
        image[geometry.row_of(np.where(inside, lows, 0))[inside], np.flatnonzero(inside)] = SAMPLE
    baseline = image[geometry.row_of(0.0)]  # a view: marks the image
    baseline[(baseline == BACKGROUND) & inside] = BASELINE
    return image


def waveform_pyramid(signal: np.ndarray, geometry: WaveformGeometry) -> list:
    """Lazy levels (dask arrays ``[rows, columns]`` of uint8) of the drawn waveform; nothing is computed here.

    Column ``c`` of level ``k`` shows bin ``c // OVERSAMPLING`` of level ``k``: level 0 has
    ``OVERSAMPLING`` columns per sample, so column ``c`` lies at ``(c - 1.5) / 4`` samples.
    """

    def columns(level, start, stop):
        first = start // OVERSAMPLING
        drawn = waveform_tile(signal, geometry, level, first, -(-stop // OVERSAMPLING))
        return np.repeat(drawn, OVERSAMPLING, axis=1)[:, start - first * OVERSAMPLING : stop - first * OVERSAMPLING]

    return lazy_levels(geometry.rows, geometry.n_samples * OVERSAMPLING, columns, np.uint8, "waveform", COARSEST_COLUMNS)
