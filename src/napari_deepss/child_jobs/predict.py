"""Prediction as a child job, for the Predict dock widget (TensorFlow cannot share napari's process).

The child predicts the whole recording or a time range of it
(:func:`~napari_deepss.range_prediction.predict_range`). It hands back the
annotations found and, when asked, the class probabilities max-pooled in time
(:func:`pooled_rows`): a trace of hours at the network's rate would not fit a
layer, and pooling keeps short events visible.
"""

from __future__ import annotations

import dataclasses
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..annotations import Annotations
from ..jobs import ProgressCallback
from ..postprocess import PostprocessOptions
from .runner import run_in_child

#: probability traces longer than this many columns are max-pooled in time (short events stay visible)
MAX_BAND_COLUMNS = 2**16


@dataclass
class ChildPrediction:
    """What the child found: annotations, and optionally pooled probabilities ``band`` [song classes, columns]."""

    annotations: Annotations
    class_names: list[str]
    band: np.ndarray | None
    band_rate: float  # columns per second
    band_start: float = 0.0  # seconds of the recording where the band starts


def predict_in_child(
    model_path,
    options: PostprocessOptions,
    keep_probabilities: bool,
    *,
    path=None,
    samples: np.ndarray | None = None,
    samplerate: float | None = None,
    time_range: tuple[float, float] | None = None,
    progress: ProgressCallback | None = None,
    stop: threading.Event | None = None,
) -> ChildPrediction:
    """:func:`~napari_deepss.range_prediction.predict_range` in a child process: the same reports, stop rule, findings.

    The recording is its ``path``, or ``samples`` [n, channels] at
    ``samplerate``; ``time_range`` (seconds) limits what is predicted;
    ``keep_probabilities`` asks for the pooled band.
    """
    if (path is None) == (samples is None):
        raise ValueError("give the recording's path or its samples")
    audio = {"path": str(path)} if path is not None else {
        "samples": np.asarray(samples, dtype=np.float32), "samplerate": float(samplerate)}
    request = {"model": str(model_path), "options": dataclasses.asdict(options),
               "keep_probabilities": keep_probabilities, "audio": audio,
               "time_range": None if time_range is None else [float(t) for t in time_range]}
    return run_in_child("predict", request, decode=_child_prediction, progress=progress, stop=stop)


def run(request: dict, *, progress: ProgressCallback, stop: threading.Event) -> dict:
    from ..range_prediction import predict_range

    audio = request["audio"]
    source = audio["path"] if "path" in audio else audio["samples"]
    with tempfile.TemporaryDirectory(prefix="dss-probabilities-", ignore_cleanup_errors=True) as scratch:
        keep = Path(scratch) / "probabilities.npy" if request["keep_probabilities"] else False
        prediction, start = predict_range(source, request["model"], request.get("time_range"),
                                          samplerate=audio.get("samplerate"),
                                          options=PostprocessOptions(**request["options"]), keep_probabilities=keep,
                                          progress=progress, stop=stop)
        band, band_rate = None, prediction.samplerate
        if prediction.probabilities is not None:
            band, band_rate = pooled_rows(prediction.probabilities, prediction.probabilities_rate)
    table = prediction.annotations()
    return {"names": table.names, "start_seconds": table.start_seconds, "stop_seconds": table.stop_seconds,
            "song_types": table.song_types, "class_names": prediction.class_names, "band": band,
            "band_rate": band_rate, "band_start": start}


def _child_prediction(values: dict) -> ChildPrediction:
    table = Annotations(values["names"], values["start_seconds"], values["stop_seconds"],
                        song_types=values["song_types"])
    return ChildPrediction(table, values["class_names"], values["band"], values["band_rate"], values["band_start"])


def pooled_rows(probabilities: np.ndarray, samplerate: float, max_columns: int = MAX_BAND_COLUMNS):
    """``(rows [song classes, columns], columns per second)``: probabilities of classes 1.. as rows, max-pooled in time.

    Reads one class at a time, so a memory-mapped trace is never loaded whole.
    """
    n, n_classes = probabilities.shape
    step = max(1, -(-n // max_columns))
    width = -(-n // step)
    rows = np.zeros((n_classes - 1, width), dtype=np.float32)
    for c in range(1, n_classes):
        column = np.zeros(width * step, dtype=np.float32)
        column[:n] = probabilities[:, c]
        rows[c - 1] = column.reshape(width, step).max(axis=1)
    return rows, samplerate / step
