"""Predict song with a trained network: class probabilities, events and segments.

``predict(audio, model)`` runs the network over the recording in chunks of
``nb_hist`` samples laid out as in training: successive chunks overlap by
twice the model's ``data_padding`` and each sample's probabilities come from a
chunk in which it lies at least that far from the chunk edges (or from the
recording's own edge). Chunks are predicted a batch at a time and their
probabilities streamed into the post-processing (:mod:`.postprocess`), so
memory stays bounded for recordings of hours: besides the float32 audio, only
one batch of probabilities exists at a time. The whole probability trace is
kept only on request, as float32 in memory or in an ``.npy`` file on disk,
float16 by default and optionally at a lower rate, with a JSON file beside it
that says what its rows are (``keep_probabilities``; returned as a read-only
memory map of it; :mod:`.probability_files`).

Audio at another rate than the network's (``samplerate_x_Hz``) is resampled
(polyphase filter) first. A network trained by DeepSS itself runs on DeepSS's
chunk grid and its probabilities become events and segments by DeepSS's rules
(:mod:`.chunk_layout`, :mod:`.postprocess`), so it finds what DeepSS finds. Times are seconds from the start of the recording
and never lie outside it. ``predict`` is a long job (:mod:`napari_deepss.jobs`).
Importing this module does not import TensorFlow.
"""

from __future__ import annotations

import contextlib
import os
import threading
from dataclasses import dataclass

import numpy as np

from .annotations import Annotations
from .audio import check_finite, load_audio
from .chunk_layout import ChunkLayout
from .errors import FileFormatError
from .jobs import Progress, ProgressCallback, check_stop
from .network_params import is_deepss_params
from .postprocess import Postprocessor, PostprocessOptions, clip_segments
from .probability_files import ProbabilityFormat, probability_store
from .resampling import resample, resampling_factors
from .target_annotations import annotations_of

DEFAULT_BATCH_SIZE = 32


@dataclass
class Prediction:
    """What :func:`predict` found in one recording."""

    events: dict[str, np.ndarray]  # name -> times (s)
    segments: dict[str, np.ndarray]  # name -> [n, 2] onsets, offsets (s)
    class_names: list[str]
    class_types: list[str]
    samplerate: float  # rate of the probabilities (the network's)
    duration_seconds: float  # of the recording
    probabilities: np.ndarray | None = None  # [rows, classes] when kept
    options: PostprocessOptions | None = None  # the post-processing that made the events and segments
    probabilities_rate: float | None = None  # rows of ``probabilities`` per second (the network's rate, or lower)

    def annotations(self) -> Annotations:
        """The detections as an annotation table in time order; song types without detections get placeholders."""
        return annotations_of(self.events, self.segments, self.class_names, self.class_types)


def predict(
    audio,
    model,
    *,
    samplerate: float | None = None,
    params: dict | None = None,
    options: PostprocessOptions | None = None,
    batch_size: int = DEFAULT_BATCH_SIZE,
    keep_probabilities: bool | str | os.PathLike = False,
    probability_format: ProbabilityFormat | None = None,
    precision: str | None = "auto",
    progress: ProgressCallback | None = None,
    stop: threading.Event | None = None,
) -> Prediction:
    """Probabilities, events and segments of one recording.

    ``audio``: a recording's path, or samples [n] / [n, channels] with their
    ``samplerate``. ``model``: the prefix (or ``_model.h5``/``_params.yaml``
    path) of a trained network, or a Keras model with its ``params`` dict.
    ``options``: the :class:`PostprocessOptions` (default: the network's
    own, :meth:`PostprocessOptions.from_params`). ``keep_probabilities``:
    ``True`` returns them as a float32 array; a path (``.npy``) writes them
    there in ``probability_format`` (default: float16 at the network's rate)
    and returns a read-only memory map of it. ``precision``: that of a network
    given by its prefix (:func:`~napari_deepss.network_files.load_network`). ``progress`` counts samples
    at the network's rate, one report per batch; ``stop`` raises
    :class:`~napari_deepss.jobs.Stopped` after the current batch, leaving no file.
    """
    model, params = resolve_model(model, params, precision)
    source = audio if isinstance(audio, (str, os.PathLike)) else "audio"
    x, rate = _samples(audio, samplerate)
    expected = int(params.get("nb_channels", x.shape[1]))
    if x.shape[1] != expected:
        raise FileFormatError(source, f"has {x.shape[1]} channel(s), but the network was trained on {expected}")
    duration = len(x) / rate
    model_rate = float(params.get("samplerate_x_Hz") or rate)
    x = resample(x, *resampling_factors(rate, model_rate))
    class_names, class_types = list(params["class_names"]), list(params["class_types"])
    options = options or PostprocessOptions.from_params(params)
    layout = ChunkLayout.for_model(model, params, len(x), options.chunk_overlap)
    post = Postprocessor(class_names, class_types, model_rate, options, deepss_rules=is_deepss_params(params))
    with contextlib.ExitStack() as files:
        store = probability_store(keep_probabilities, len(x), class_names, model_rate, probability_format, files)
        for start, probabilities in layout.predict(model, x, batch_size):
            post.add(probabilities)
            store.write_rows(start, probabilities)
            if progress is not None:
                progress(Progress(start + len(probabilities), len(x)))
            check_stop(stop, f"prediction of {source} was stopped; nothing was written")
        store.finish()
    events, segments = post.finish()
    return Prediction(
        events={n: np.clip(t, 0.0, duration) for n, t in events.items()},
        segments={n: clip_segments(t, duration) for n, t in segments.items()},
        class_names=class_names, class_types=class_types,
        samplerate=model_rate,
        duration_seconds=duration,
        probabilities=store.result(), probabilities_rate=store.rate,  # a file: read back under its final name
        options=options,
    )


def resolve_model(model, params: dict | None = None, precision: str | None = "auto"):
    """``(Keras model, params)`` from a trained network's prefix (computing in ``precision``, None: as saved), or a
    model with its params (as it is)."""
    if isinstance(model, (str, os.PathLike)):
        from .network_files import load_network

        return load_network(model, precision)
    if params is None:
        raise ValueError("a Keras model needs its params (the dict of its _params.yaml)")
    return model, params


def _samples(audio, samplerate: float | None) -> tuple[np.ndarray, float]:
    if isinstance(audio, (str, os.PathLike)):
        return load_audio(audio)
    if samplerate is None or not samplerate > 0:
        raise ValueError("samples need their samplerate (a positive number in Hz)")
    x = np.asarray(audio, dtype=np.float32)
    if x.ndim == 1:
        x = x[:, np.newaxis]
    if x.ndim != 2 or len(x) == 0:
        raise ValueError(f"samples must be [samples, channels] and not empty, got shape {x.shape}")
    check_finite(x, samplerate, "the audio samples")
    return x, float(samplerate)
