"""Event peaks of a probability trace fed in blocks (the events of :mod:`napari_deepss.postprocess`).

Peaks are local maxima (a flat top: its middle sample) reaching a threshold,
then spaced by a minimum distance, higher peaks first. The last run of equal
values of a block is held back until the next block shows whether the trace
rises or falls after it, so blocks give the same peaks as one pass.
"""

from __future__ import annotations

import numpy as np


def _runs(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Start indices and values of the runs of equal consecutive values in ``x``."""
    starts = np.flatnonzero(np.concatenate([[True], x[1:] != x[:-1]]))
    return starts, x[starts]


class PeakStream:
    """Local maxima (flat tops: middle sample) of one trace fed in blocks, then spaced by a minimum distance.

    The last run of a block is held back until the next block shows whether the
    trace rises or falls after it. With ``deepss`` the threshold must be
    exceeded, the trace's edges never rise to a peak and equal peaks keep the later.
    """

    def __init__(self, threshold: float, min_distance: int, deepss: bool = False):
        self._threshold = threshold
        self._min_distance = max(min_distance, 1)
        self._deepss = deepss
        self._outside = np.inf if deepss else -np.inf  # value before and after the trace
        self._n_seen = 0
        self._before = self._outside  # value of the run before the held run
        self._held: tuple[int, float] | None = None  # (start index, value) of the last run
        self._positions: list[np.ndarray] = []
        self._heights: list[np.ndarray] = []

    def add(self, x: np.ndarray) -> None:
        if len(x) == 0:
            return
        starts, values = _runs(x)
        starts = starts + self._n_seen
        self._n_seen += len(x)
        if self._held is not None:
            held_start, held_value = self._held
            if values[0] == held_value:
                starts[0] = held_start
            else:
                starts = np.concatenate([[held_start], starts])
                values = np.concatenate([[held_value], values])
        stops = np.concatenate([starts[1:], [self._n_seen]])
        lefts = np.concatenate([[self._before], values[:-1]])
        self._collect(starts[:-1], stops[:-1], values[:-1], lefts[:-1], values[1:])
        self._held = (int(starts[-1]), values[-1])
        self._before = lefts[-1]

    def _collect(self, starts, stops, values, lefts, rights) -> None:
        high = values > self._threshold if self._deepss else values >= self._threshold
        is_peak = (values > lefts) & (values > rights) & high
        self._positions.append((starts[is_peak] + stops[is_peak] - 1) // 2)
        self._heights.append(values[is_peak])

    def candidates(self) -> tuple[np.ndarray, np.ndarray]:
        """Positions and heights of every local maximum reaching the threshold, before spacing."""
        if self._held is not None:
            start, value = self._held
            self._collect(np.array([start]), np.array([self._n_seen]), np.array([value]),
                          np.array([self._before]), np.array([self._outside]))
            self._held = None
        positions = np.concatenate(self._positions) if self._positions else np.zeros(0, dtype=np.int64)
        heights = np.concatenate(self._heights) if self._heights else np.zeros(0)
        return positions.astype(np.int64), heights

    def finish(self) -> np.ndarray:
        """Sample indices of the peaks, ascending."""
        return space_peaks(*self.candidates(), self._min_distance, later_first=self._deepss)


def space_peaks(positions: np.ndarray, heights: np.ndarray, min_distance: int, later_first: bool = False):
    """Keep peaks at least ``min_distance`` samples apart, higher first (on a tie the earlier, or the later)."""
    order = np.lexsort((-positions if later_first else positions, -heights))
    by_position = np.argsort(positions, kind="stable")
    sorted_positions = positions[by_position]
    removed = np.zeros(len(positions), dtype=bool)
    for peak in order:
        if removed[peak]:
            continue
        lo = np.searchsorted(sorted_positions, positions[peak] - min_distance, side="right")
        hi = np.searchsorted(sorted_positions, positions[peak] + min_distance, side="left")
        neighbours = by_position[lo:hi]
        removed[neighbours[neighbours != peak]] = True
    return np.sort(positions[~removed])
