"""Choose the post-processing of a trained network on its validation recordings.

DeepSS's ``post_opt`` re-runs its post-processing for every point of a 20 x 20
grid of fill gaps and minimum lengths (13-30 min for a bird on 2 cores).
Here the probabilities of each validation recording are summarised once per
segment threshold as song stretches (:class:`~napari_deepss.song_stretches.Stretches`:
a few hundred runs with their summed song-type probabilities); every fill gap
and minimum length is then an operation on those summaries, done by the same
code the :class:`~napari_deepss.postprocess.Postprocessor` runs, so what is
scored here is exactly what prediction will produce.

- **Segments**: segment threshold x fill gap x minimum length, scored by
  ``(onset F1 + offset F1 + (1 - syllable error rate)) / 3`` over all
  validation recordings (boundaries matched within ``tolerance``, 10 ms by
  default). Then the onset and offset shifts are the median differences
  between true and predicted boundaries of the chosen setting: they remove
  the bias the gap cut into the targets gives predicted boundaries.
- **Events**: event threshold x minimum distance, scored by the event F1 at
  ``tolerance`` over all event types together.

Ties keep the simplest setting (no filling, no minimum length, threshold
0.5); the defaults are candidates, so the chosen setting never scores worse
than them on the validation recordings.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from .annotations import Annotations
from .evaluate import DEFAULT_TOLERANCE, MatchScores, edit_distance
from .event_peaks import PeakStream, space_peaks
from .postprocess import PostprocessOptions, class_roles, seconds_to_samples, segment_times
from .song_stretches import Stretches, StretchStream

SEGMENT_THRESHOLDS = (0.5, 0.4, 0.6, 0.3, 0.7, 0.2, 0.8)  # nearest to the default first: ties keep it
EVENT_THRESHOLDS = (0.5, 0.4, 0.6, 0.3, 0.7, 0.2, 0.8, 0.1, 0.9)
EVENT_DISTANCES = (0.01, 0.0, 0.001, 0.002, 0.005, 0.02, 0.05)  # seconds; DeepSS's default first


def duration_grid(minimum: float, maximum: float, steps: int) -> np.ndarray:
    """0 (none) and ``steps`` durations spaced geometrically from ``minimum`` to ``maximum`` (DeepSS's post_opt grid)."""
    if steps < 1 or not 0 < minimum <= maximum:
        raise ValueError(f"a duration grid needs 0 < minimum <= maximum and at least one step, got {minimum}, "
                         f"{maximum}, {steps}")
    return np.concatenate([[0.0], np.geomspace(minimum, maximum, steps)])


class RecordingSummary:
    """What the choice needs of one recording's probabilities, fed block by block (memory stays small).

    Song stretches for every candidate segment threshold and the candidate
    peaks of every event type; ``truth`` holds the recording's true annotations.
    """

    def __init__(self, class_names, class_types, truth: Annotations):
        self.truth = truth
        self.class_names = [str(n) for n in class_names]
        self.event_classes, self.segment_classes = class_roles(self.class_names, class_types)
        n_labels = len(self.segment_classes)
        self._stretches = {t: StretchStream(t, n_labels) for t in SEGMENT_THRESHOLDS} if n_labels else {}
        self._peaks = {index: PeakStream(min(EVENT_THRESHOLDS), 1) for index in self.event_classes}
        self.n_samples = 0

    def add(self, probabilities: np.ndarray) -> None:
        """The next block of the recording's probabilities, [samples, classes]."""
        self.n_samples += len(probabilities)
        for stream in self._stretches.values():
            stream.add(probabilities[:, self.segment_classes])
        for index, stream in self._peaks.items():
            stream.add(probabilities[:, index])

    def stretches(self, threshold: float) -> Stretches:
        return self._stretches[threshold].finish()

    def candidates(self, index: int) -> tuple[np.ndarray, np.ndarray]:
        """Positions and heights of the event type's local maxima reaching the lowest candidate threshold."""
        return self._peaks[index].candidates()


@dataclass(frozen=True)
class Choice:
    """The options chosen and the validation scores before (defaults) and after."""

    options: PostprocessOptions
    before: dict
    after: dict
    seconds: float
    tolerance: float

    def record(self) -> dict:
        """What ``_params.yaml`` keeps of the choice, besides the options themselves."""
        return {"tolerance_seconds": self.tolerance, "seconds": round(self.seconds, 2),
                "validation_before": self.before, "validation_after": self.after}

    def describe(self) -> str:
        """One line per kind of song: the values chosen and the validation scores they give."""
        o, lines = self.options, []
        if "segments" in self.after:
            before, after = self.before["segments"], self.after["segments"]
            lines.append(
                f"segments: threshold {o.segment_thres:g}, fill gaps < {o.segment_fillgap * 1000:.3g} ms, drop < "
                f"{o.segment_minlen * 1000:.3g} ms, move onsets {o.segment_onset_shift * 1000:+.2f} ms and offsets "
                f"{o.segment_offset_shift * 1000:+.2f} ms; validation score {before['score']:.4f} -> {after['score']:.4f}"
                f" (onset F1 {after['onset_f1']:.3f}, offset F1 {after['offset_f1']:.3f}, syllable error rate "
                f"{after['syllable_error_rate']:.3f})")
        if "events" in self.after:
            lines.append(f"events: threshold {o.event_thres:g}, min. distance {o.event_dist * 1000:.3g} ms; "
                         f"validation F1 {self.before['events']['f1']:.4f} -> {self.after['events']['f1']:.4f}")
        return "\n".join(lines)


def choose_postprocessing(recordings: Sequence[RecordingSummary], samplerate: float, *,
                          fill_gaps: Sequence[float], min_lens: Sequence[float],
                          tolerance: float = DEFAULT_TOLERANCE) -> Choice:
    """The post-processing options that score best on ``recordings`` (see the module docstring).

    ``fill_gaps``/``min_lens``: candidate durations in seconds (e.g. from
    :func:`duration_grid`). Options of a kind of song the recordings do not
    hold (no true events, or no true segments) keep their defaults.
    """
    started = time.perf_counter()
    options, before, after = PostprocessOptions(), {}, {}
    segments = _SegmentSearch(recordings, samplerate, tolerance)
    if segments.n_true:
        before["segments"] = segments.scores(options)
        options = segments.best(fill_gaps, min_lens)
        after["segments"] = segments.scores(options)
    events = _EventSearch(recordings, samplerate, tolerance)
    if events.n_true:
        before["events"] = events.scores(options)
        options = events.best(options)
        after["events"] = events.scores(options)
    return Choice(options, before, after, time.perf_counter() - started, tolerance)


class _SegmentSearch:
    """Song stretches of every recording per threshold, and the scores of options applied to them."""

    def __init__(self, recordings: Sequence[RecordingSummary], samplerate: float, tolerance: float):
        self.samplerate, self.tolerance = samplerate, tolerance
        self.truths, self.durations, self._stretches = [], [], {}
        for recording in recordings:
            index = {recording.class_names[c]: k for k, c in enumerate(recording.segment_classes)}
            times = [(t, index[name]) for name, all_times in recording.truth.segments().items()
                     for t in all_times if name in index]
            times.sort(key=lambda item: item[0][0])
            self.truths.append((np.array([t for t, _ in times]).reshape(-1, 2), [k for _, k in times]))
            self.durations.append(recording.n_samples / samplerate)
        self.n_true = sum(len(labels) for _, labels in self.truths)
        self._recordings = recordings

    def stretches(self, threshold: float) -> list[Stretches]:
        if threshold not in self._stretches:
            self._stretches[threshold] = [recording.stretches(threshold) for recording in self._recordings]
        return self._stretches[threshold]

    def _predictions(self, options: PostprocessOptions):
        for stretches, duration in zip(self.stretches(options.segment_thres), self.durations):
            yield segment_times(stretches, self.samplerate, options, duration)

    def matches(self, options: PostprocessOptions) -> tuple[MatchScores, MatchScores, int]:
        onsets, offsets, errors = MatchScores(), MatchScores(), 0
        for (true_times, true_labels), (times, labels) in zip(self.truths, self._predictions(options)):
            onsets = onsets + MatchScores.of(true_times[:, 0], times[:, 0], self.tolerance)
            offsets = offsets + MatchScores.of(true_times[:, 1], times[:, 1], self.tolerance)
            errors += edit_distance(true_labels, labels.tolist())
        return onsets, offsets, errors

    def scores(self, options: PostprocessOptions) -> dict:
        onsets, offsets, errors = self.matches(options)
        error_rate = errors / self.n_true
        return {"score": (onsets.f1 + offsets.f1 + max(0.0, 1 - error_rate)) / 3, "onset_f1": onsets.f1,
                "offset_f1": offsets.f1, "syllable_error_rate": error_rate,
                "median_onset_error_seconds": _median_abs(onsets.deviations),
                "median_offset_error_seconds": _median_abs(offsets.deviations), "n_true": self.n_true}

    def best(self, fill_gaps, min_lens) -> PostprocessOptions:
        """The best threshold, fill gap and minimum length; then the shifts that centre the boundary errors."""
        best, best_score = PostprocessOptions(), -np.inf
        for threshold in SEGMENT_THRESHOLDS:
            for fillgap in sorted(fill_gaps):
                for minlen in sorted(min_lens):
                    candidate = PostprocessOptions(segment_thres=threshold, segment_fillgap=float(fillgap),
                                                   segment_minlen=float(minlen))
                    score = self._score(candidate)
                    if score > best_score + 1e-12:
                        best, best_score = candidate, score
        onsets, offsets, _ = self.matches(best)
        return dataclasses.replace(best, segment_onset_shift=_centring(onsets.deviations),
                                   segment_offset_shift=_centring(offsets.deviations))

    def _score(self, options: PostprocessOptions) -> float:
        onsets, offsets, errors = self.matches(options)
        return (onsets.f1 + offsets.f1 + max(0.0, 1 - errors / self.n_true)) / 3


class _EventSearch:
    """Candidate peaks of every event type and recording, and the event F1 of a threshold and distance."""

    def __init__(self, recordings: Sequence[RecordingSummary], samplerate: float, tolerance: float):
        self.samplerate, self.tolerance = samplerate, tolerance
        self._items = []  # (true times, candidate positions, heights) per event type and recording
        for recording in recordings:
            true_events = recording.truth.events()
            for index in recording.event_classes:
                truth = true_events.get(recording.class_names[index], np.zeros(0))
                self._items.append((truth, *recording.candidates(index)))
        self.n_true = sum(len(truth) for truth, _, _ in self._items)

    def matches(self, options: PostprocessOptions) -> MatchScores:
        distance = seconds_to_samples(options.event_dist, self.samplerate)
        total = MatchScores()
        for truth, positions, heights in self._items:
            high = heights >= options.event_thres
            peaks = space_peaks(positions[high], heights[high], max(distance, 1))
            total = total + MatchScores.of(truth, peaks / self.samplerate, self.tolerance)
        return total

    def scores(self, options: PostprocessOptions) -> dict:
        found = self.matches(options)
        return {"f1": found.f1, "precision": found.precision, "recall": found.recall, "n_true": self.n_true}

    def best(self, options: PostprocessOptions) -> PostprocessOptions:
        best, best_f1 = options, -np.inf
        for threshold in EVENT_THRESHOLDS:
            for distance in EVENT_DISTANCES:
                candidate = dataclasses.replace(options, event_thres=threshold, event_dist=distance)
                f1 = self.matches(candidate).f1
                if f1 > best_f1 + 1e-12:
                    best, best_f1 = candidate, f1
        return best


def _median_abs(deviations: np.ndarray) -> float:
    return float(np.median(np.abs(deviations))) if len(deviations) else float("nan")


def _centring(deviations: np.ndarray) -> float:
    """The shift that makes the median of ``predicted - true`` zero, to 0.01 ms."""
    return round(-float(np.median(deviations)), 5) if len(deviations) else 0.0
