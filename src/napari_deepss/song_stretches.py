"""Song stretches: where a probability trace is song, with the evidence for each song type, and what is done to them.

A trace fed block by block (:class:`StretchStream`) becomes :class:`Stretches`:
the first and one-past-last sample of every run of song samples and, per run,
the evidence for each song type. Our rule sums the song types' probabilities
over the run's song samples, so a syllable gets one song type from the
probabilities over its whole duration (a per-sample vote would let a few
confident samples of a neighbour type split or flip it); DeepSS's rule counts
each sample's label. Gap filling, the minimum length and the boundary times are
operations on these summaries, so the post-processing choice of
:mod:`napari_deepss.postprocess_choice` tries many values without reading the
trace again, and gets exactly what :class:`~napari_deepss.postprocess.Postprocessor` makes.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

#: ``rule(block columns, threshold) -> (song mask [samples], evidence [song samples, labels])``
SongRule = Callable[[np.ndarray, float], tuple[np.ndarray, np.ndarray]]


def summed_song(song_probabilities: np.ndarray, threshold: float) -> tuple[np.ndarray, np.ndarray]:
    """Song where the song types' probabilities sum above the threshold; evidence: those probabilities."""
    song = song_probabilities.sum(axis=1) > threshold
    return song, song_probabilities[song].astype(np.float64)


def first_class_above(probabilities: np.ndarray, threshold: float) -> tuple[np.ndarray, np.ndarray]:
    """DeepSS: the first of [noise, song types] above the threshold labels a sample; evidence: one vote for it."""
    above = probabilities > threshold
    first = np.argmax(above, axis=1)
    song = above.any(axis=1) & (first > 0)
    votes = np.zeros((int(song.sum()), probabilities.shape[1] - 1))
    votes[np.arange(len(votes)), first[song] - 1] = 1.0
    return song, votes


@dataclass(frozen=True)
class Stretches:
    """Runs of song samples ``[starts, stops)`` in time order, with ``evidence`` [runs, song types].

    ``last`` (DeepSS's rule only) is the evidence of each run's last sample,
    which DeepSS leaves out of the vote of runs longer than one sample.
    """

    starts: np.ndarray
    stops: np.ndarray
    evidence: np.ndarray
    last: np.ndarray | None = None

    @classmethod
    def empty(cls, n_labels: int, deepss: bool = False) -> Stretches:
        none = np.zeros((0, n_labels))
        return cls(np.zeros(0, np.int64), np.zeros(0, np.int64), none, none if deepss else None)

    @classmethod
    def joined(cls, parts: list[Stretches], n_labels: int, deepss: bool = False) -> Stretches:
        if not parts:
            return cls.empty(n_labels, deepss)
        last = np.concatenate([p.last for p in parts]) if deepss else None
        return cls(np.concatenate([p.starts for p in parts]), np.concatenate([p.stops for p in parts]),
                   np.concatenate([p.evidence for p in parts]), last)

    def __len__(self) -> int:
        return len(self.starts)

    def merged(self, fillgap: int) -> Stretches:
        """Runs separated by fewer than ``fillgap`` non-song samples joined (the gap's samples add no evidence)."""
        if len(self) < 2 or fillgap <= 1:
            return self
        first = np.flatnonzero(np.concatenate([[True], self.starts[1:] - self.stops[:-1] >= fillgap]))
        final = np.concatenate([first[1:] - 1, [len(self) - 1]])
        return Stretches(self.starts[first], self.stops[final], np.add.reduceat(self.evidence, first, axis=0),
                         None if self.last is None else self.last[final])

    def at_least(self, minlen: int) -> Stretches:
        """Runs of at least ``minlen`` samples."""
        keep = self.stops - self.starts >= max(minlen, 1)
        if keep.all():
            return self
        return Stretches(self.starts[keep], self.stops[keep], self.evidence[keep],
                         None if self.last is None else self.last[keep])

    def labels(self) -> np.ndarray:
        """Index of the song type with the most evidence, per run (on a tie the first)."""
        evidence = self.evidence
        if self.last is not None:
            longer = self.stops - self.starts > 1
            evidence = evidence - self.last * longer[:, np.newaxis]
        return np.argmax(evidence, axis=1) if len(self) else np.zeros(0, np.int64)


def boundary_times(stretches: Stretches, samplerate: float, onset_shift: float = 0.0, offset_shift: float = 0.0,
                   duration: float | None = None) -> tuple[np.ndarray, np.ndarray]:
    """``(onsets, offsets, keep)``: times in seconds of each run, and a mask of the runs that remain.

    The onset is the first song sample's time, the offset the last one's (the
    convention of the dataset targets); a run of one sample lasts one sample,
    so a segment never ends where it starts. ``onset_shift``/``offset_shift``
    (seconds) move every onset/offset; moved boundaries stop half way to the
    neighbouring run. Times are clipped to ``[0, duration]``; a run left
    without duration is dropped (``keep`` is False).
    """
    onsets = stretches.starts / samplerate
    offsets = np.maximum(stretches.stops - 1, stretches.starts + 1) / samplerate
    middles = (offsets[:-1] + onsets[1:]) / 2
    moved_on, moved_off = onsets + onset_shift, offsets + offset_shift
    moved_off[:-1] = np.minimum(moved_off[:-1], middles)
    moved_on[1:] = np.maximum(moved_on[1:], middles)
    if duration is not None:
        moved_on, moved_off = np.clip(moved_on, 0.0, duration), np.clip(moved_off, 0.0, duration)
    return moved_on, moved_off, moved_off > moved_on


class StretchStream:
    """:class:`Stretches` of a trace fed in blocks; identical whatever the blocks.

    ``rule`` decides per sample whether it is song and its evidence (see
    :data:`SongRule`); a run reaching the end of a block is held open until
    the next block shows where it ends.
    """

    def __init__(self, threshold: float, n_labels: int, rule: SongRule = summed_song, deepss: bool = False):
        self._threshold = threshold
        self._n_labels = n_labels
        self._rule = rule
        self._deepss = deepss
        self._n_seen = 0
        self._parts: list[Stretches] = []
        self._open: Stretches | None = None  # one run touching the end of the last block

    def add(self, columns: np.ndarray) -> None:
        """The next block of the columns the rule reads, [samples, columns]."""
        if len(columns) == 0:
            return
        song, evidence = self._rule(columns, self._threshold)
        edges = np.diff(np.concatenate([[0], song.view(np.int8), [0]]))
        starts, stops = np.flatnonzero(edges == 1), np.flatnonzero(edges == -1)
        first_rows = np.concatenate([[0], np.cumsum(stops - starts)[:-1]]).astype(np.int64)
        sums = np.add.reduceat(evidence, first_rows, axis=0) if len(starts) else evidence[:0]
        last = evidence[first_rows + (stops - starts) - 1] if self._deepss else None
        block = Stretches(starts + self._n_seen, stops + self._n_seen, sums, last)
        if self._open is not None:
            block = self._continue_open(block)
        self._n_seen += len(columns)
        if len(block) and block.stops[-1] == self._n_seen:
            self._open = _select(block, slice(-1, None))
            block = _select(block, slice(None, -1))
        self._parts.append(block)

    def _continue_open(self, block: Stretches) -> Stretches:
        """The open run joined to the block's first run if that starts the block, else closed before it."""
        held, self._open = self._open, None
        if len(block) and block.starts[0] == self._n_seen:
            first = Stretches(held.starts, block.stops[:1], held.evidence + block.evidence[:1],
                              None if block.last is None else block.last[:1])
            return Stretches.joined([first, _select(block, slice(1, None))], self._n_labels, self._deepss)
        return Stretches.joined([held, block], self._n_labels, self._deepss)

    def finish(self) -> Stretches:
        """All runs of the trace fed so far."""
        if self._open is not None:
            self._parts.append(self._open)
            self._open = None
        return Stretches.joined(self._parts, self._n_labels, self._deepss)


def _select(stretches: Stretches, rows: slice) -> Stretches:
    return Stretches(stretches.starts[rows], stretches.stops[rows], stretches.evidence[rows],
                     None if stretches.last is None else stretches.last[rows])
