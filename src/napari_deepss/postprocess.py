"""Class probabilities -> song events and segments (pure numpy, streamable).

The probabilities of a recording arrive as consecutive blocks ``[samples,
classes]`` (a chunked prediction); :class:`Postprocessor` turns them into
annotations while keeping only small per-run summaries, so a recording of
hours never needs its whole probability trace in memory. Feeding one block or
many gives identical results.

Rules (DeepSS's, made exact at block edges):

- **Events**: per event class, peaks of its probability that reach
  ``event_thres``, at least ``event_dist`` seconds apart (of two closer peaks
  the higher is kept, the earlier on a tie). A flat top is one peak at its
  middle sample.
- **Segments**: a sample is song when the summed probability of the segment
  song classes (every segment class but noise) exceeds ``segment_thres``.
  Gaps shorter than ``segment_fillgap`` seconds between song stretches are
  filled, then stretches shorter than ``segment_minlen`` seconds are dropped.
  Each stretch is labelled by the majority of the most probable song class of
  its song samples (samples of filled gaps do not vote).
- Times are sample times ``index / samplerate``: an onset is the first song
  sample, an offset the last one (the convention of the dataset targets,
  which mark samples ``round(start*fs)..round(stop*fs)`` inclusive). So no time
  lies outside the recording.

``deepss_rules=True`` applies DeepSS 0.32's rules instead, for networks trained
by DeepSS, so that they find what DeepSS finds: an event peak must exceed the
threshold, peaks up to ``int(event_dist * samplerate)`` samples apart compete
(none when that is 1 or less; of equal peaks the later wins) and the first and
last sample are never peaks; a sample is song when one song class exceeds
``segment_thres`` before noise does, in class order, and that class is its
label.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from .dataset.targets import NOISE
from .options import Options, option

#: the key of ``_params.yaml`` that holds a network's post-processing options
PARAMS_KEY = "postprocess"


@dataclass(frozen=True)
class PostprocessOptions(Options):
    """Thresholds (0-1) and durations (seconds) of the post-processing; DeepSS defaults."""

    event_thres: float = option(0.5, "Event threshold", "An event is a peak of its class probability reaching "
                                "this value (0-1).", minimum=0.0, maximum=1.0, step=0.01)
    event_dist: float = option(0.01, "Min. event distance (s)", "Of two event peaks closer than this (seconds), "
                               "only the higher is kept.", minimum=0.0, step=0.001)
    segment_thres: float = option(0.5, "Segment threshold", "A sample is song when the summed probability of "
                                  "the segment types exceeds this value (0-1).", minimum=0.0, maximum=1.0, step=0.01)
    segment_fillgap: float = option(0.0, "Fill gaps shorter than (s)", "Join song segments separated by a gap "
                                    "shorter than this (seconds; 0: no filling).", minimum=0.0, step=0.001)
    segment_minlen: float = option(0.0, "Drop segments shorter than (s)", "Remove song segments shorter than "
                                   "this (seconds; 0: keep all).", minimum=0.0, step=0.001)

    def __post_init__(self):
        self.check_values()

    @classmethod
    def from_params(cls, params: Mapping[str, Any]) -> PostprocessOptions:
        """The options a trained network's params hold, else the defaults.

        ``params[PARAMS_KEY]`` holds options chosen for the network (e.g. on
        its validation data at the end of training); a DeepSS network's
        ``post_opt`` (``gap_dur``, ``min_len`` in seconds) gives the fill gap
        and the minimum length. Predicting and evaluating start from these.
        """
        values = dict(params.get(PARAMS_KEY) or {})
        deepss = params.get("post_opt")
        if isinstance(deepss, Mapping):
            for ours, theirs in (("segment_fillgap", "gap_dur"), ("segment_minlen", "min_len")):
                if deepss.get(theirs) is not None:
                    values.setdefault(ours, deepss[theirs])
        return cls.from_dict(values)


def _seconds_to_samples(seconds: float, samplerate: float) -> int:
    return int(round(seconds * samplerate))


def _runs(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Start indices and values of the runs of equal consecutive values in ``x``."""
    starts = np.flatnonzero(np.concatenate([[True], x[1:] != x[:-1]]))
    return starts, x[starts]


class _PeakStream:
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

    def finish(self) -> np.ndarray:
        """Sample indices of the peaks, ascending."""
        if self._held is not None:
            start, value = self._held
            self._collect(np.array([start]), np.array([self._n_seen]), np.array([value]),
                          np.array([self._before]), np.array([self._outside]))
            self._held = None
        positions = np.concatenate(self._positions) if self._positions else np.zeros(0, dtype=np.int64)
        heights = np.concatenate(self._heights) if self._heights else np.zeros(0)
        return _space_peaks(positions.astype(np.int64), heights, self._min_distance, later_first=self._deepss)


def _space_peaks(positions: np.ndarray, heights: np.ndarray, min_distance: int, later_first: bool = False):
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


def _summed_song(song_probabilities: np.ndarray, threshold: float) -> tuple[np.ndarray, np.ndarray]:
    """Song where the song classes' probabilities sum above the threshold; label: the most probable song class."""
    song = song_probabilities.sum(axis=1) > threshold
    return song, np.argmax(song_probabilities[song], axis=1)


def _first_class_above(probabilities: np.ndarray, threshold: float) -> tuple[np.ndarray, np.ndarray]:
    """DeepSS: the first of [noise, song classes] above the threshold labels a sample; song unless it is noise."""
    above = probabilities > threshold
    first = np.argmax(above, axis=1)
    song = above.any(axis=1) & (first > 0)
    return song, first[song] - 1


class _SegmentStream:
    """Song stretches of a trace fed in blocks, with per-stretch votes of each song sample's label.

    ``rule(block, threshold)`` gives each sample of a block whether it is song
    and, for the song samples, their label (index of the song class). With
    ``deepss`` the last sample of a segment longer than one sample does not
    vote (DeepSS counts labels from its onset up to, not including, its offset).
    """

    def __init__(self, threshold: float, n_labels: int, rule=_summed_song, deepss: bool = False):
        self._threshold = threshold
        self._n_labels = n_labels
        self._rule = rule
        self._deepss = deepss
        self._n_seen = 0
        self._stretches: list[tuple[np.ndarray, ...]] = []  # (starts, stops, votes, label of the last sample)
        self._open: tuple[int, np.ndarray, int] | None = None  # stretch running into the next block

    def add(self, probabilities: np.ndarray) -> None:
        """``probabilities``: the columns of the next block that the rule reads, [samples, columns]."""
        n = len(probabilities)
        if n == 0:
            return
        song, labels = self._rule(probabilities, self._threshold)
        edges = np.diff(np.concatenate([[0], song.view(np.int8), [0]]))
        starts, stops = np.flatnonzero(edges == 1), np.flatnonzero(edges == -1)
        stretch = np.repeat(np.arange(len(starts)), stops - starts)
        votes = np.bincount(stretch * self._n_labels + labels, minlength=len(starts) * self._n_labels)
        votes = votes.reshape(len(starts), self._n_labels)
        last = labels[np.cumsum(stops - starts) - 1]
        starts, stops = starts + self._n_seen, stops + self._n_seen
        if self._open is not None:
            open_start, open_votes, open_last = self._open
            if len(starts) and starts[0] == self._n_seen:
                starts[0] = open_start
                votes[0] += open_votes
            else:
                self._store([open_start], [self._n_seen], open_votes[np.newaxis], [open_last])
            self._open = None
        self._n_seen += n
        if len(starts) and stops[-1] == self._n_seen:
            self._open = (int(starts[-1]), votes[-1], int(last[-1]))
            starts, stops, votes, last = starts[:-1], stops[:-1], votes[:-1], last[:-1]
        self._store(starts, stops, votes, last)

    def _store(self, starts, stops, votes, last) -> None:
        self._stretches.append((np.asarray(starts, dtype=np.int64), np.asarray(stops, dtype=np.int64),
                                np.asarray(votes, dtype=np.int64).reshape(-1, self._n_labels),
                                np.asarray(last, dtype=np.int64)))

    def finish(self, fillgap: int, minlen: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """``(first sample, last sample + 1, label index)`` of each stretch after gap filling and length filter."""
        if self._open is not None:
            self._store([self._open[0]], [self._n_seen], self._open[1][np.newaxis], [self._open[2]])
            self._open = None
        starts, stops, votes, last = (np.concatenate(parts) for parts in zip(*self._stretches or [(
            np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros((0, self._n_labels), np.int64),
            np.zeros(0, np.int64))]))
        if len(starts) > 1:
            first_of_group = np.concatenate([[True], starts[1:] - stops[:-1] >= fillgap])
            group_starts = np.flatnonzero(first_of_group)
            group_ends = np.concatenate([group_starts[1:] - 1, [len(stops) - 1]])
            starts, stops, last = starts[group_starts], stops[group_ends], last[group_ends]
            votes = np.add.reduceat(votes, group_starts, axis=0)
        if self._deepss:
            longer = np.flatnonzero(stops - starts > 1)
            votes[longer, last[longer]] -= 1
        keep = stops - starts >= max(minlen, 1)
        return starts[keep], stops[keep], np.argmax(votes[keep], axis=1)


class Postprocessor:
    """Events and segments from class probabilities fed block by block.

    ``class_names``/``class_types`` as in ``_params.yaml`` (class 0 is noise).
    ``samplerate`` is the rate of the probabilities. ``deepss_rules``: DeepSS's
    rules (see the module docstring), for networks trained by DeepSS.
    """

    def __init__(self, class_names, class_types, samplerate: float, options: PostprocessOptions | None = None,
                 deepss_rules: bool = False):
        if len(class_names) != len(class_types):
            raise ValueError(f"{len(class_names)} class names but {len(class_types)} class types")
        self.class_names = [str(n) for n in class_names]
        self.samplerate = float(samplerate)
        self.options = options or PostprocessOptions()
        self.event_classes = [i for i, kind in enumerate(class_types) if kind == "event"]
        self.segment_classes = [
            i for i, (name, kind) in enumerate(zip(self.class_names, class_types)) if kind == "segment" and name != NOISE and i != 0
        ]
        if deepss_rules:  # das.predict: peakutils with min_dist = int(event_dist * rate), removing peaks <= it apart
            distance = int(self.options.event_dist * self.samplerate)
            distance = distance + 1 if distance > 1 else 0
        else:
            distance = _seconds_to_samples(self.options.event_dist, self.samplerate)
        self._peaks = [_PeakStream(self.options.event_thres, distance, deepss_rules) for _ in self.event_classes]
        rule = _first_class_above if deepss_rules else _summed_song
        self._segment_columns = [0, *self.segment_classes] if deepss_rules else self.segment_classes
        self._segments = _SegmentStream(self.options.segment_thres, len(self.segment_classes), rule, deepss_rules)

    def add(self, probabilities: np.ndarray) -> None:
        """The next block of probabilities, [samples, classes]."""
        probabilities = np.asarray(probabilities)
        if probabilities.ndim != 2 or probabilities.shape[1] != len(self.class_names):
            raise ValueError(
                f"probabilities must be [samples, {len(self.class_names)} classes], got shape {probabilities.shape}"
            )
        for stream, index in zip(self._peaks, self.event_classes):
            stream.add(probabilities[:, index])
        if self.segment_classes:
            self._segments.add(probabilities[:, self._segment_columns])

    def finish(self) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
        """``(events, segments)``: name -> times [n] and name -> [n, 2] onsets and offsets, in seconds."""
        events = {
            self.class_names[index]: stream.finish() / self.samplerate
            for stream, index in zip(self._peaks, self.event_classes)
        }
        segments = {}
        if self.segment_classes:
            starts, stops, labels = self._segments.finish(
                _seconds_to_samples(self.options.segment_fillgap, self.samplerate),
                _seconds_to_samples(self.options.segment_minlen, self.samplerate),
            )
            for label, index in enumerate(self.segment_classes):
                mine = labels == label
                segments[self.class_names[index]] = np.stack([starts[mine], stops[mine] - 1], axis=1) / self.samplerate
        return events, segments


def postprocess(probabilities: np.ndarray, class_names, class_types, samplerate: float,
                options: PostprocessOptions | None = None,
                deepss_rules: bool = False) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
    """Events and segments of a whole probability trace [samples, classes] (see the module docstring)."""
    processor = Postprocessor(class_names, class_types, samplerate, options, deepss_rules)
    processor.add(probabilities)
    return processor.finish()
