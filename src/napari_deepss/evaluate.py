"""Scores of predicted annotations against true ones.

- **Events** (per event type): each true event is matched to at most one
  predicted event within ``tolerance`` seconds and vice versa, as many pairs
  as possible; matched = true positives, unmatched predictions = false
  positives, unmatched truths = false negatives.
- **Segment boundaries**: onsets (and, separately, offsets) of all song
  segments, whatever their label, are matched the same way.
- **Syllable labels**: a true syllable is correctly typed when the label
  covering most of its duration in the prediction (``noise`` where no
  predicted segment lies) is its own label.
- **Syllable error rate**: edit distance between the true and the predicted
  sequence of syllable labels (in onset order) / number of true syllables.

Scores of several recordings add up (``+``): counts are summed, then ratios
taken. An undefined ratio (e.g. precision without any prediction) is NaN.

:func:`evaluate_dataset` runs a trained network over a dataset's test split
(importing TensorFlow then) and :func:`evaluate_files` compares annotation
files; both also give the sample-wise confusion matrix and per-class report
of :mod:`.metrics`.
"""

from __future__ import annotations

import threading
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .annotations import Annotations
from .dataset.targets import NOISE
from .jobs import ProgressCallback, sub_progress

DEFAULT_TOLERANCE = 0.01


def _ratio(numerator: float, denominator: float) -> float:
    return float(numerator) / denominator if denominator else float("nan")


def match_times(true_times, predicted_times, tolerance: float) -> tuple[np.ndarray, np.ndarray]:
    """Indices ``(true, predicted)`` of matched pairs: at most ``tolerance`` apart, one-to-one, as many as possible.

    Greedy in time order: each true time takes the earliest free prediction in
    its window. All windows have the same width, so this finds a largest matching.
    A nanosecond of slack keeps float rounding of sample times from deciding.
    """
    tolerance = tolerance + 1e-9
    true_times = np.asarray(true_times, dtype=np.float64).reshape(-1)
    predicted_times = np.asarray(predicted_times, dtype=np.float64).reshape(-1)
    true_order, pred_order = np.argsort(true_times, kind="stable"), np.argsort(predicted_times, kind="stable")
    preds = predicted_times[pred_order]
    matched_true, matched_pred = [], []
    j = 0
    for i in true_order:
        t = true_times[i]
        while j < len(preds) and preds[j] < t - tolerance:
            j += 1
        if j < len(preds) and preds[j] <= t + tolerance:
            matched_true.append(i)
            matched_pred.append(pred_order[j])
            j += 1
    return np.array(matched_true, dtype=np.int64), np.array(matched_pred, dtype=np.int64)


@dataclass
class MatchScores:
    """True/false positives and negatives of time matching; ``deviations`` = predicted - true times (s) of pairs."""

    true_positives: int = 0
    false_positives: int = 0
    false_negatives: int = 0
    deviations: np.ndarray = field(default_factory=lambda: np.zeros(0))

    @classmethod
    def of(cls, true_times, predicted_times, tolerance: float = DEFAULT_TOLERANCE) -> MatchScores:
        true_times = np.asarray(true_times, dtype=np.float64).reshape(-1)
        predicted_times = np.asarray(predicted_times, dtype=np.float64).reshape(-1)
        i, j = match_times(true_times, predicted_times, tolerance)
        return cls(len(i), len(predicted_times) - len(j), len(true_times) - len(i), predicted_times[j] - true_times[i])

    def __add__(self, other: MatchScores) -> MatchScores:
        return MatchScores(
            self.true_positives + other.true_positives,
            self.false_positives + other.false_positives,
            self.false_negatives + other.false_negatives,
            np.concatenate([self.deviations, other.deviations]),
        )

    @property
    def precision(self) -> float:
        return _ratio(self.true_positives, self.true_positives + self.false_positives)

    @property
    def recall(self) -> float:
        return _ratio(self.true_positives, self.true_positives + self.false_negatives)

    @property
    def f1(self) -> float:
        return _ratio(2 * self.true_positives, 2 * self.true_positives + self.false_positives + self.false_negatives)

    def to_dict(self) -> dict:
        deviation = float(np.median(np.abs(self.deviations))) if len(self.deviations) else float("nan")
        return {
            "precision": self.precision,
            "recall": self.recall,
            "f1": self.f1,
            "true_positives": self.true_positives,
            "false_positives": self.false_positives,
            "false_negatives": self.false_negatives,
            "median_abs_deviation_seconds": deviation,
        }


def edit_distance(a, b) -> int:
    """Levenshtein distance of two sequences (insertions, deletions, substitutions cost 1)."""
    a, b = list(a), np.asarray(list(b), dtype=object)
    row = np.arange(len(b) + 1)
    steps = np.arange(len(b) + 1)
    for i, item in enumerate(a, start=1):
        new = np.empty_like(row)
        new[0] = i
        new[1:] = np.minimum(row[:-1] + (b != item), row[1:] + 1)
        row = np.minimum.accumulate(new - steps) + steps  # insertions: new[j] = min(new[j], new[j-1] + 1)
    return int(row[-1])


@dataclass
class SyllableScores:
    """Counts behind syllable label accuracy and syllable error rate.

    ``typed`` counts each (true song type, type it was given) pair: the
    syllable-level confusion matrix (``noise``: the syllable was missed).
    """

    n_true: int = 0
    n_correctly_typed: int = 0
    edit_distance: int = 0
    typed: Counter = field(default_factory=Counter)

    def __add__(self, other: SyllableScores) -> SyllableScores:
        return SyllableScores(self.n_true + other.n_true, self.n_correctly_typed + other.n_correctly_typed,
                              self.edit_distance + other.edit_distance, self.typed + other.typed)

    def confusion(self) -> dict[str, dict[str, int]]:
        """``{true type: {type given: count}}``."""
        table: dict[str, dict[str, int]] = {}
        for (true, given), count in sorted(self.typed.items()):
            table.setdefault(true, {})[given] = count
        return table

    @property
    def label_accuracy(self) -> float:
        return _ratio(self.n_correctly_typed, self.n_true)

    @property
    def error_rate(self) -> float:
        return _ratio(self.edit_distance, self.n_true)

    def to_dict(self) -> dict:
        return {
            "label_accuracy": self.label_accuracy,
            "syllable_error_rate": self.error_rate,
            "n_true": self.n_true,
            "n_correctly_typed": self.n_correctly_typed,
            "edit_distance": self.edit_distance,
            "confusion": self.confusion(),
        }


def _syllables(segments: dict[str, np.ndarray]) -> tuple[np.ndarray, list[str]]:
    """All song segments in onset order: ``[n, 2]`` times and their labels."""
    names = [name for name in segments if name != NOISE]
    times = np.concatenate([segments[n] for n in names]) if names else np.zeros((0, 2))
    labels = [n for n in names for _ in range(len(segments[n]))]
    order = np.argsort(times[:, 0], kind="stable")
    return times[order], [labels[k] for k in order]


def majority_labels(true_times: np.ndarray, predicted_times: np.ndarray, predicted_labels: list[str]) -> list[str]:
    """For each true interval, the predicted label covering most of it (``noise`` for the uncovered part)."""
    result = []
    for onset, offset in true_times:
        overlap = np.clip(np.minimum(predicted_times[:, 1], offset) - np.maximum(predicted_times[:, 0], onset), 0, None)
        cover = {NOISE: (offset - onset) - overlap.sum()}
        for label, amount in zip(predicted_labels, overlap):
            cover[label] = cover.get(label, 0.0) + amount
        result.append(max(cover, key=cover.get))
    return result


@dataclass
class AnnotationScores:
    """Event scores per event type, segment onset/offset scores and syllable scores."""

    events: dict[str, MatchScores] = field(default_factory=dict)
    onsets: MatchScores = field(default_factory=MatchScores)
    offsets: MatchScores = field(default_factory=MatchScores)
    syllables: SyllableScores = field(default_factory=SyllableScores)

    def __add__(self, other: AnnotationScores) -> AnnotationScores:
        names = list(dict.fromkeys([*self.events, *other.events]))
        return AnnotationScores(
            {n: self.events.get(n, MatchScores()) + other.events.get(n, MatchScores()) for n in names},
            self.onsets + other.onsets,
            self.offsets + other.offsets,
            self.syllables + other.syllables,
        )

    def to_dict(self) -> dict:
        result: dict = {"events": {name: scores.to_dict() for name, scores in self.events.items()}}
        onsets = self.onsets
        if onsets.true_positives + onsets.false_positives + onsets.false_negatives:
            result["segment_onsets"] = self.onsets.to_dict()
            result["segment_offsets"] = self.offsets.to_dict()
            result["syllables"] = self.syllables.to_dict()
        return result


def score_annotations(true: Annotations, predicted: Annotations, tolerance: float = DEFAULT_TOLERANCE) -> AnnotationScores:
    """Scores of one recording's predicted annotations against the true ones (see the module docstring)."""
    if tolerance < 0:
        raise ValueError(f"tolerance must be >= 0 seconds, got {tolerance}")
    true_events, pred_events = true.events(), predicted.events()
    events = {
        name: MatchScores.of(true_events.get(name, []), pred_events.get(name, []), tolerance)
        for name in dict.fromkeys([*true_events, *pred_events])
    }
    true_times, true_labels = _syllables(true.segments())
    pred_times, pred_labels = _syllables(predicted.segments())
    typed = majority_labels(true_times, pred_times, pred_labels)
    return AnnotationScores(
        events=events,
        onsets=MatchScores.of(true_times[:, 0], pred_times[:, 0], tolerance),
        offsets=MatchScores.of(true_times[:, 1], pred_times[:, 1], tolerance),
        syllables=SyllableScores(
            n_true=len(true_labels),
            n_correctly_typed=sum(t == p for t, p in zip(true_labels, typed)),
            edit_distance=edit_distance(true_labels, pred_labels),
            typed=Counter(zip(true_labels, typed)),
        ),
    )


# --- whole evaluations: a model on a dataset's test split, or annotation files ---------------------------------

SAMPLEWISE_RATE = 1000.0  # Hz at which annotation files are compared sample by sample (1 ms)


@dataclass
class Evaluation:
    """Scores over all recordings, plus the sample-wise confusion matrix of ``class_names``."""

    scores: AnnotationScores
    tolerance: float
    class_names: list[str]
    confusion: np.ndarray
    n_recordings: int
    options: Any = None  # the PostprocessOptions that made the predicted events and segments, if known

    def to_dict(self) -> dict:
        from .metrics import accuracy, classification_report

        return {
            "tolerance_seconds": self.tolerance,
            "recordings": self.n_recordings,
            **({"postprocessing": self.options.to_dict()} if self.options is not None else {}),
            **self.scores.to_dict(),
            "samples": {
                "accuracy": accuracy(self.confusion),
                "report": classification_report(self.confusion, self.class_names),
                "class_names": list(self.class_names),
                "confusion_matrix": self.confusion.tolist(),
            },
        }


def segment_labels(table: Annotations, class_names: list[str], samplerate: float, n_samples: int) -> np.ndarray:
    """Class index of every sample: the segment covering it (later rows win), 0 (noise) elsewhere."""
    labels = np.zeros(n_samples, dtype=np.int64)
    index = {name: i for i, name in enumerate(class_names)}
    for name, times in table.segments().items():
        for onset, offset in np.round(times * samplerate).astype(np.int64):
            labels[onset:offset + 1] = index[name]
    return labels


def evaluate_dataset(model, data_dir, *, tolerance: float = DEFAULT_TOLERANCE, options=None,
                     batch_size: int | None = None, progress: ProgressCallback | None = None,
                     stop: threading.Event | None = None) -> Evaluation:
    """Predict each recording's piece of a dataset's test split and score it against its annotation file.

    ``model``: a trained network's prefix, or ``(keras model, params)``. The
    true annotations are read from the dataset's data folder (``data_folder``
    in its attrs), cropped to each test piece. A long job
    (:mod:`napari_deepss.jobs`): ``progress`` counts test samples (message:
    the recording); setting ``stop`` raises :class:`~napari_deepss.jobs.Stopped`.
    """
    from pathlib import Path

    from .annotations import ANNOTATIONS_SUFFIX, read_annotations
    from .dataset.store import open_dataset
    from .dataset import split_pieces
    from .errors import FileFormatError
    from .metrics import confusion_matrix
    from .postprocess import PostprocessOptions
    from .prediction import DEFAULT_BATCH_SIZE, predict, resolve_model

    network, params = resolve_model(*model) if isinstance(model, tuple) else resolve_model(model)
    options = options or PostprocessOptions.from_params(params)
    attrs, splits = open_dataset(data_dir, params.get("y_suffix", "") or "")
    if "test" not in splits:
        raise FileFormatError(data_dir, "the dataset has no test split; make one with a test fraction > 0")
    class_names = list(attrs["class_names"])
    if class_names != list(params["class_names"]):
        raise FileFormatError(data_dir, f"the dataset's classes {class_names} differ from the network's "
                              f"{list(params['class_names'])}")
    rate = float(attrs["samplerate_x_Hz"])
    test = splits["test"]
    pieces = split_pieces(attrs, "test")
    total = sum(end - start for _, start, end in pieces)
    if total != len(test):
        raise FileFormatError(data_dir, "the dataset does not list which recordings its test split holds (DeepSS "
                              "lists them only for a split of one recording): predict the test recordings and "
                              "compare annotation files (dss evaluate --true ... --predicted ...) instead")
    scores, confusion, offset = AnnotationScores(), np.zeros((len(class_names),) * 2, dtype=np.int64), 0
    for name, start, end in pieces:
        csv = Path(attrs["data_folder"]) / f"{Path(name).name}{ANNOTATIONS_SUFFIX}"  # DeepSS names: file paths
        if not csv.is_file():
            raise FileFormatError(csv, "the true annotations of this test recording are missing (the dataset "
                                  "refers to them); compare annotation files instead")
        truth = read_annotations(csv).cropped(start / rate, end / rate)
        part = test.part(offset, offset + end - start)
        prediction = predict(np.asarray(part.x, dtype=np.float32), network, samplerate=rate, params=params,
                             options=options, batch_size=batch_size or DEFAULT_BATCH_SIZE, keep_probabilities=True,
                             progress=sub_progress(progress, offset, end - start, total, name), stop=stop)
        scores = scores + score_annotations(truth, prediction.annotations(), tolerance)
        confusion += confusion_matrix(np.argmax(part.y, axis=1), np.argmax(prediction.probabilities, axis=1),
                                      len(class_names))
        offset += end - start
    return Evaluation(scores, tolerance, class_names, confusion, len(pieces), options)


def evaluate_files(pairs, *, tolerance: float = DEFAULT_TOLERANCE) -> Evaluation:
    """Score predicted against true annotation files: ``pairs`` of ``(true csv, predicted csv)``.

    The sample-wise matrix compares the segment labels of both at
    :data:`SAMPLEWISE_RATE` (events are scored by matching only). A song type
    that is an event in one file and a segment in another is an error naming both.
    """
    from pathlib import Path

    from .annotations import merged_song_types, read_annotations
    from .metrics import confusion_matrix

    tables = [(read_annotations(t), read_annotations(p)) for t, p in pairs]
    song_types = merged_song_types([(Path(path), table) for pair, tables_of_pair in zip(pairs, tables)
                                    for path, table in zip(pair, tables_of_pair)])
    class_names = [NOISE, *sorted(n for n, kind in song_types.items() if kind == "segment" and n != NOISE)]
    scores, confusion = AnnotationScores(), np.zeros((len(class_names),) * 2, dtype=np.int64)
    for true, predicted in tables:
        scores = scores + score_annotations(true, predicted, tolerance)
        ends = [t[~np.isnan(t)].max() for t in (true.stop_seconds, predicted.stop_seconds) if np.any(~np.isnan(t))]
        n = int(np.ceil(max(ends, default=0.0) * SAMPLEWISE_RATE)) + 1
        confusion += confusion_matrix(segment_labels(true, class_names, SAMPLEWISE_RATE, n),
                                      segment_labels(predicted, class_names, SAMPLEWISE_RATE, n), len(class_names))
    return Evaluation(scores, tolerance, class_names, confusion, len(tables))
