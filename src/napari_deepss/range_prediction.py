"""Predict a time range of a recording: what the network finds there, as if it had predicted the whole recording.

The range is predicted with a margin of one network chunk (``nb_hist``
samples) on each side, so the network sees the same context at the range's
edges as inside, and what it finds is kept when it *starts* in the range (the
rule by which proposals belong to a range, :mod:`napari_deepss.proposals`):
a syllable that begins just before the range is left to the range before, one
that begins inside keeps its true end. Times are seconds of the recording.
A long job (:mod:`napari_deepss.jobs`) like :func:`~napari_deepss.prediction.predict`.
"""

from __future__ import annotations

import dataclasses
import os
import threading

import numpy as np

from .audio import load_audio
from .jobs import ProgressCallback
from .postprocess import PostprocessOptions
from .prediction import DEFAULT_BATCH_SIZE, Prediction, predict, resolve_model
from .probability_files import ProbabilityFormat


def predict_range(
    audio,
    model,
    time_range: tuple[float, float] | None = None,
    *,
    samplerate: float | None = None,
    params: dict | None = None,
    options: PostprocessOptions | None = None,
    batch_size: int = DEFAULT_BATCH_SIZE,
    keep_probabilities: bool | str | os.PathLike = False,
    probability_format: ProbabilityFormat | None = None,
    progress: ProgressCallback | None = None,
    stop: threading.Event | None = None,
) -> tuple[Prediction, float]:
    """``(prediction, start)``: the events and segments starting in ``time_range`` (seconds; None: all).

    ``audio``, ``model`` and the other arguments are those of
    :func:`~napari_deepss.prediction.predict`. The prediction's
    ``probabilities`` (when kept) cover the range from ``start`` (seconds, the
    range's start within the recording) at ``probabilities_rate``.
    """
    if time_range is None:
        return predict(audio, model, samplerate=samplerate, params=params, options=options, batch_size=batch_size,
                       keep_probabilities=keep_probabilities, probability_format=probability_format,
                       progress=progress, stop=stop), 0.0
    model, params = resolve_model(model, params)
    if isinstance(audio, (str, os.PathLike)):
        audio, samplerate = load_audio(audio)
    samples = np.asarray(audio, dtype=np.float32)
    duration = len(samples) / samplerate
    start, stop_time = max(0.0, float(time_range[0])), min(duration, float(time_range[1]))
    if not stop_time > start:
        raise ValueError(f"the time range {time_range[0]:g}-{time_range[1]:g} s holds none of the {duration:g} s "
                         "recording")
    margin = int(params.get("nb_hist") or 1024) / float(params.get("samplerate_x_Hz") or samplerate)
    first = int(max(0.0, start - margin) * samplerate)
    last = int(np.ceil(min(duration, stop_time + margin) * samplerate))
    part = predict(samples[first:last], model, samplerate=samplerate, params=params, options=options,
                   batch_size=batch_size, keep_probabilities=keep_probabilities,
                   probability_format=probability_format, progress=progress, stop=stop)
    return _within(part, first / samplerate, start, stop_time, duration), start


def _within(part: Prediction, offset: float, start: float, stop: float, duration: float) -> Prediction:
    """``part`` (predicted from ``offset`` seconds on) in recording time, keeping what starts in ``[start, stop)``."""
    events = {name: times[(times + offset >= start) & (times + offset < stop)] + offset
              for name, times in part.events.items()}
    segments = {name: times[(times[:, 0] + offset >= start) & (times[:, 0] + offset < stop)] + offset
                for name, times in part.segments.items()}
    probabilities = part.probabilities
    if probabilities is not None:
        rate = part.probabilities_rate
        first = int(round((start - offset) * rate))
        probabilities = probabilities[first:first + int(round((stop - start) * rate))]
    return dataclasses.replace(part, events=events, segments=segments, duration_seconds=duration,
                               probabilities=probabilities)
