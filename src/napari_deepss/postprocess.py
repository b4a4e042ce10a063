"""Class probabilities -> song events and segments (pure numpy, streamable).

The probabilities of a recording arrive as consecutive blocks ``[samples,
classes]`` (a chunked prediction); :class:`Postprocessor` turns them into
annotations while keeping only small per-run summaries, so a recording of
hours never needs its whole probability trace in memory. Feeding one block or
many gives identical results.

Rules (DeepSS's, made exact at block edges):

- **Events** (:mod:`.event_peaks`): per event class, peaks of its probability
  that reach ``event_thres``, at least ``event_dist`` seconds apart (of two
  closer peaks the higher is kept, the earlier on a tie). A flat top is one
  peak at its middle sample.
- **Segments** (:mod:`.song_stretches`): a sample is song when the summed
  probability of the segment song classes (every segment class but noise)
  exceeds ``segment_thres``. Gaps shorter than ``segment_fillgap`` seconds
  between song stretches are filled, then stretches shorter than
  ``segment_minlen`` seconds are dropped. Each stretch gets the song type
  with the largest summed probability over its song samples (one song type
  for the whole syllable; samples of filled gaps add nothing).
- Times are sample times ``index / samplerate``: an onset is the first song
  sample, an offset the last one (the convention of the dataset targets,
  which mark samples ``round(start*fs)..round(stop*fs)`` inclusive); a
  stretch of one sample lasts one sample, so a segment always ends after it
  starts. ``segment_onset_shift``/``segment_offset_shift`` then move the
  boundaries (training sets them on the validation data, where the gap cut
  into the targets makes predicted syllables start late and end early); a
  moved boundary stops half way to the neighbouring segment. No time lies
  outside the recording.

``deepss_rules=True`` applies DeepSS 0.32's rules instead, for networks trained
by DeepSS, so that they find what DeepSS finds: an event peak must exceed the
threshold, peaks up to ``int(event_dist * samplerate)`` samples apart compete
(none when that is 1 or less; of equal peaks the later wins) and the first and
last sample are never peaks; a sample is song when one song class exceeds
``segment_thres`` before noise does, in class order, and a stretch gets the
label most of its samples have (its last sample does not vote).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from .dataset.targets import NOISE
from .event_peaks import PeakStream
from .options import Options, option
from .song_stretches import StretchStream, Stretches, boundary_times, first_class_above, summed_song

#: the key of ``_params.yaml`` that holds a network's post-processing options
PARAMS_KEY = "postprocess"


@dataclass(frozen=True)
class PostprocessOptions(Options):
    """Thresholds (0-1) and durations (seconds) of the post-processing; DeepSS defaults. And how many overlapping
    chunks predict each sample (:mod:`.chunk_layout`), the one choice of how probabilities are made."""

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
    segment_onset_shift: float = option(0.0, "Move onsets by (s)", "Add this to every segment onset (seconds; "
                                        "negative: earlier). Training measures it on the validation data.",
                                        minimum=-1.0, maximum=1.0, step=0.0001)
    segment_offset_shift: float = option(0.0, "Move offsets by (s)", "Add this to every segment offset (seconds; "
                                         "positive: later). Training measures it on the validation data.",
                                         minimum=-1.0, maximum=1.0, step=0.0001)
    chunk_overlap: int = option(4, "Chunk overlap", "Chunks that predict each sample, averaged: 4 is the most "
                                "accurate (bird: half the mistyped syllables of 1); 2 or 1 run the network 2x or 4x less. "
                                "Networks trained by DeepSS use DeepSS's layout.", choices=(1, 2, 4))

    def __post_init__(self):
        self.check_values()

    @classmethod
    def from_params(cls, params: Mapping[str, Any], overrides: Mapping[str, Any] | None = None) -> PostprocessOptions:
        """The options a trained network's params hold, else the defaults; ``overrides`` (e.g. given flags) win.

        ``params[PARAMS_KEY]`` holds options chosen for the network (e.g. on
        its validation data at the end of training); a DeepSS network's
        ``post_opt`` (``gap_dur``, ``min_len`` in seconds) gives the fill gap
        and the minimum length. Predicting and evaluating start from these.
        """
        values = {**(params.get(PARAMS_KEY) or {}), **(overrides or {})}
        deepss = params.get("post_opt")
        if isinstance(deepss, Mapping):
            for ours, theirs in (("segment_fillgap", "gap_dur"), ("segment_minlen", "min_len")):
                if deepss.get(theirs) is not None:
                    values.setdefault(ours, deepss[theirs])
        return cls.from_dict(values)

    def describe(self) -> str:
        """The values in one line, e.g. for a command to say which it used."""
        return ", ".join(f"{name} {value:g}" for name, value in self.to_dict().items())


def seconds_to_samples(seconds: float, samplerate: float) -> int:
    return int(round(seconds * samplerate))


def class_roles(class_names, class_types) -> tuple[list[int], list[int]]:
    """Indices of the event classes and of the segment song classes (every segment class but noise, class 0)."""
    if len(class_names) != len(class_types):
        raise ValueError(f"{len(class_names)} class names but {len(class_types)} class types")
    events = [i for i, kind in enumerate(class_types) if kind == "event"]
    segments = [i for i, (name, kind) in enumerate(zip(class_names, class_types))
                if kind == "segment" and str(name) != NOISE and i != 0]
    return events, segments


def segment_times(stretches: Stretches, samplerate: float, options: PostprocessOptions,
                  duration: float | None = None) -> tuple[np.ndarray, np.ndarray]:
    """``([n, 2] onsets and offsets in seconds, [n] song type index)`` of song stretches after gaps, length, shifts."""
    kept = stretches.merged(seconds_to_samples(options.segment_fillgap, samplerate))
    kept = kept.at_least(seconds_to_samples(options.segment_minlen, samplerate))
    onsets, offsets, keep = boundary_times(kept, samplerate, options.segment_onset_shift,
                                           options.segment_offset_shift, duration)
    return np.stack([onsets[keep], offsets[keep]], axis=1), kept.labels()[keep]


def clip_segments(times: np.ndarray, duration: float) -> np.ndarray:
    """Segments [n, 2] clipped to ``[0, duration]``; those left without duration are dropped."""
    times = np.clip(times, 0.0, duration)
    return times[times[:, 1] > times[:, 0]]


class Postprocessor:
    """Events and segments from class probabilities fed block by block.

    ``class_names``/``class_types`` as in ``_params.yaml`` (class 0 is noise).
    ``samplerate`` is the rate of the probabilities. ``deepss_rules``: DeepSS's
    rules (see the module docstring), for networks trained by DeepSS.
    """

    def __init__(self, class_names, class_types, samplerate: float, options: PostprocessOptions | None = None,
                 deepss_rules: bool = False):
        self.class_names = [str(n) for n in class_names]
        self.samplerate = float(samplerate)
        self.options = options or PostprocessOptions()
        self.event_classes, self.segment_classes = class_roles(self.class_names, class_types)
        if deepss_rules:  # das.predict: peakutils with min_dist = int(event_dist * rate), removing peaks <= it apart
            distance = int(self.options.event_dist * self.samplerate)
            distance = distance + 1 if distance > 1 else 0
        else:
            distance = seconds_to_samples(self.options.event_dist, self.samplerate)
        self._peaks = [PeakStream(self.options.event_thres, distance, deepss_rules) for _ in self.event_classes]
        rule = first_class_above if deepss_rules else summed_song
        self._segment_columns = [0, *self.segment_classes] if deepss_rules else self.segment_classes
        self._segments = StretchStream(self.options.segment_thres, len(self.segment_classes), rule, deepss_rules)
        self._n_seen = 0

    def add(self, probabilities: np.ndarray) -> None:
        """The next block of probabilities, [samples, classes]."""
        probabilities = np.asarray(probabilities)
        if probabilities.ndim != 2 or probabilities.shape[1] != len(self.class_names):
            raise ValueError(
                f"probabilities must be [samples, {len(self.class_names)} classes], got shape {probabilities.shape}"
            )
        self._n_seen += len(probabilities)
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
            times, labels = segment_times(self._segments.finish(), self.samplerate, self.options,
                                          self._n_seen / self.samplerate)
            for label, index in enumerate(self.segment_classes):
                segments[self.class_names[index]] = times[labels == label]
        return events, segments


def postprocess(probabilities: np.ndarray, class_names, class_types, samplerate: float,
                options: PostprocessOptions | None = None,
                deepss_rules: bool = False) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
    """Events and segments of a whole probability trace [samples, classes] (see the module docstring)."""
    processor = Postprocessor(class_names, class_types, samplerate, options, deepss_rules)
    processor.add(probabilities)
    return processor.finish()
