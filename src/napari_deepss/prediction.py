"""Predict song with a trained network: class probabilities, events and segments.

``predict(audio, model)`` runs the network over the recording in chunks of
``nb_hist`` samples laid out as in training: successive chunks overlap by
twice the model's ``data_padding`` and each sample's probabilities come from a
chunk in which it lies at least that far from the chunk edges (or from the
recording's own edge). Chunks are predicted a batch at a time and their
probabilities streamed into the post-processing (:mod:`.postprocess`), so
memory stays bounded for recordings of hours: besides the float32 audio, only
one batch of probabilities exists at a time. The whole probability trace is
kept only on request, as float32 in memory or in an ``.npy`` file on disk
(``keep_probabilities``; returned as a read-only memory map of it).

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
from pathlib import Path

import numpy as np

from .annotations import Annotations
from .atomic import atomic_path
from .audio import check_finite, load_audio
from .chunk_layout import ChunkLayout
from .disk_space import require_free_space
from .errors import FileFormatError
from .jobs import Progress, ProgressCallback, check_stop
from .npy_output import NpyOutput, npy_bytes
from .network_params import is_deepss_params
from .postprocess import Postprocessor, PostprocessOptions, clip_segments
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
    probabilities: np.ndarray | None = None  # [samples, classes] float32 when kept
    options: PostprocessOptions | None = None  # the post-processing that made the events and segments

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
    there and returns a read-only memory map of it. ``progress`` counts samples
    at the network's rate, one report per batch; setting ``stop`` raises
    :class:`~napari_deepss.jobs.Stopped` after the current batch and leaves no
    file behind.
    """
    model, params = resolve_model(model, params)
    source = audio if isinstance(audio, (str, os.PathLike)) else "audio"
    x, rate = _samples(audio, samplerate)
    expected = int(params.get("nb_channels", x.shape[1]))
    if x.shape[1] != expected:
        raise FileFormatError(source, f"has {x.shape[1]} channel(s), but the network was trained on {expected}")
    duration = len(x) / rate
    model_rate = float(params.get("samplerate_x_Hz") or rate)
    x = resample(x, *resampling_factors(rate, model_rate))
    class_names, class_types = list(params["class_names"]), list(params["class_types"])
    layout = ChunkLayout.for_model(model, params, len(x))
    options = options or PostprocessOptions.from_params(params)
    post = Postprocessor(class_names, class_types, model_rate, options, deepss_rules=is_deepss_params(params))
    with contextlib.ExitStack() as files:
        store = _probability_store(keep_probabilities, len(x), len(class_names), files)
        for start, probabilities in layout.predict(model, x, batch_size):
            post.add(probabilities)
            if store is not None:
                store.write_rows(start, probabilities)
            if progress is not None:
                progress(Progress(start + len(probabilities), len(x)))
            check_stop(stop, f"prediction of {source} was stopped; nothing was written")
    if isinstance(store, NpyOutput):  # renamed to its final path now: reopen read-only
        store = _InMemory(np.load(keep_probabilities, mmap_mode="r"))
    events, segments = post.finish()
    return Prediction(
        events={n: np.clip(t, 0.0, duration) for n, t in events.items()},
        segments={n: clip_segments(t, duration) for n, t in segments.items()},
        class_names=class_names,
        class_types=class_types,
        samplerate=model_rate,
        duration_seconds=duration,
        probabilities=None if store is None else store.array,
        options=options,
    )


def resolve_model(model, params: dict | None = None):
    """``(Keras model, params)`` from a trained network's prefix, or a model with its params."""
    if isinstance(model, (str, os.PathLike)):
        from .network_files import load_network

        return load_network(model)
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


@dataclass(frozen=True)
class _InMemory:
    """Probabilities kept as an array: :class:`~napari_deepss.npy_output.NpyOutput`'s ``write_rows`` in memory."""

    array: np.ndarray

    def write_rows(self, start: int, rows: np.ndarray) -> None:
        self.array[start:start + len(rows)] = rows


def _probability_store(keep, n_samples: int, n_classes: int, files: contextlib.ExitStack):
    """Where the probabilities go: nowhere, a float32 array, or an ``.npy`` file written atomically.

    The file is checked against the free disk space and allocated in full
    first, so a full disk is an error naming it before any work is done.
    """
    if keep is False or keep is None:
        return None
    if keep is True:
        return _InMemory(np.empty((n_samples, n_classes), dtype=np.float32))
    path = Path(keep)
    if path.suffix != ".npy":
        raise FileFormatError(path, "probabilities are written as .npy: give a path ending in .npy")
    require_free_space(path, npy_bytes((n_samples, n_classes), np.float32))
    tmp = files.enter_context(atomic_path(path))
    return NpyOutput.create(tmp, n_samples, n_classes, np.float32)
