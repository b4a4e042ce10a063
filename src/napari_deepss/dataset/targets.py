"""Training targets ``y`` [samples, classes] from annotations, one block at a time.

Column 0 is ``noise``; the other columns are song types in sorted order.

- Segments are 1 on the samples ``round(start*fs)..round(stop*fs)``, both
  included (the convention of DeepSS and of :mod:`napari_deepss.postprocess`,
  which turns such targets back into the same times).
- Events are Gaussians with peak 1 at ``round(time*fs)`` and a standard
  deviation of ``event_std_seconds`` (cut at 4 standard deviations).
- With ``gap_seconds > 0`` every segment column is set to 0 in a window of that
  width centred on each segment onset *and* offset sample (DeepSS cut only onsets), so
  that adjacent syllables stay apart.
- Song columns summing above 1 are scaled to sum 1; ``noise = 1 - sum(song)``.

Targets are computed for one block of samples at a time (vectorised within the
block), so memory does not grow with the length of a recording.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..annotations import Annotations

NOISE = "noise"
GAUSSIAN_CUTOFF_STD = 4.0


@dataclass(frozen=True)
class ClassInfo:
    """Names and types (``event``/``segment``) of the target columns, ``noise`` first."""

    names: tuple[str, ...]
    types: tuple[str, ...]

    @classmethod
    def from_song_types(cls, song_types: dict[str, str]) -> ClassInfo:
        names = sorted(n for n in song_types if n != NOISE)
        return cls((NOISE, *names), ("segment", *(song_types[n] for n in names)))

    @property
    def song_names(self) -> tuple[str, ...]:
        return self.names[1:]


@dataclass(frozen=True)
class FileTargets:
    """The annotations of one recording in samples at the dataset rate."""

    events: tuple[np.ndarray, ...]  # per song column: sorted event samples (empty for segment types)
    segments: tuple[np.ndarray, ...]  # per song column: [n, 2] first and one-past-last sample (empty for event types)
    boundaries: np.ndarray  # sorted onset and offset (last) samples of all segments
    is_segment: np.ndarray  # per song column
    gaussian: np.ndarray  # event kernel, peak 1 in the middle
    gap_samples: int

    @classmethod
    def from_annotations(
        cls,
        annotations: Annotations,
        classes: ClassInfo,
        samplerate: float,
        event_std_seconds: float,
        gap_seconds: float,
    ) -> FileTargets:
        events, segments = annotations.events(), annotations.segments()
        no_events, no_segments = np.zeros(0, dtype=np.int64), np.zeros((0, 2), dtype=np.int64)
        event_cols, segment_cols = [], []
        for name, kind in zip(classes.song_names, classes.types[1:]):
            if kind == "event":
                event_cols.append(np.sort(_to_samples(events.get(name, np.zeros(0)), samplerate)))
                segment_cols.append(no_segments)
            else:
                event_cols.append(no_events)
                segment_cols.append(_to_samples(segments.get(name, np.zeros((0, 2))), samplerate).reshape(-1, 2) + (0, 1))
        all_segments = np.concatenate(segment_cols) - (0, 1) if segment_cols else no_segments
        return cls(
            events=tuple(event_cols),
            segments=tuple(segment_cols),
            boundaries=np.sort(all_segments.reshape(-1)),
            is_segment=np.array([kind == "segment" for kind in classes.types[1:]], dtype=bool),
            gaussian=gaussian_kernel(event_std_seconds * samplerate),
            gap_samples=int(round(gap_seconds * samplerate)),
        )

    def song(self, start: int, stop: int) -> np.ndarray:
        """Song columns (not normalised, may exceed 1 where types overlap) for samples ``[start, stop)``."""
        length = stop - start
        song = np.zeros((length, len(self.is_segment)), dtype=np.float32)
        for col, (times, intervals) in enumerate(zip(self.events, self.segments)):
            if len(intervals):
                song[:, col] = _cover(intervals - start, length)
            if len(times):
                _add_gaussians(song[:, col], times - start, self.gaussian)
        if self.gap_samples > 0 and len(self.boundaries):
            left = self.boundaries - self.gap_samples // 2
            gaps = np.stack([left, left + self.gap_samples], axis=1)
            song[_cover(gaps - start, length)[:, np.newaxis] & self.is_segment] = 0
        return song


def gaussian_kernel(std_samples: float) -> np.ndarray:
    """A Gaussian with peak 1 at its centre; a single 1 for a width below one sample."""
    if std_samples <= 0:
        return np.ones(1, dtype=np.float32)
    half = int(np.ceil(GAUSSIAN_CUTOFF_STD * std_samples))
    offsets = np.arange(-half, half + 1)
    return np.exp(-0.5 * (offsets / std_samples) ** 2).astype(np.float32)


def normalise(song: np.ndarray) -> np.ndarray:
    """``[noise, song...]`` with rows summing to 1: song rows above 1 are scaled down."""
    total = song.sum(axis=1, keepdims=True)
    scaled = song / np.maximum(total, 1.0)
    return np.concatenate([1.0 - scaled.sum(axis=1, keepdims=True), scaled], axis=1)


def individual(song_column: np.ndarray) -> np.ndarray:
    """``[noise, type]`` targets of one song type on its own."""
    clipped = np.minimum(song_column, 1.0)[:, np.newaxis]
    return np.concatenate([1.0 - clipped, clipped], axis=1)


def _to_samples(seconds: np.ndarray, samplerate: float) -> np.ndarray:
    return np.round(np.asarray(seconds, dtype=np.float64) * samplerate).astype(np.int64)


def _cover(intervals: np.ndarray, length: int) -> np.ndarray:
    """Boolean mask of ``length`` samples covered by any ``[start, stop)`` interval (block coordinates)."""
    clipped = np.clip(intervals, 0, length)
    change = np.zeros(length + 1, dtype=np.int64)
    np.add.at(change, clipped[:, 0], 1)
    np.add.at(change, clipped[:, 1], -1)
    return np.cumsum(change[:-1]) > 0


def _add_gaussians(column: np.ndarray, centres: np.ndarray, kernel: np.ndarray) -> None:
    """Place ``kernel`` at each centre (block coordinates), keeping the maximum where events overlap."""
    half = len(kernel) // 2
    length = len(column)
    centres = centres[(centres >= -half) & (centres < length + half)]
    if not len(centres):
        return
    index = centres[:, np.newaxis] + np.arange(-half, half + 1)
    values = np.broadcast_to(kernel, index.shape)
    inside = (index >= 0) & (index < length)
    np.maximum.at(column, index[inside], values[inside])
