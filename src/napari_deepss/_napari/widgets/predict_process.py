"""Prediction in a child Python process, for the Predict dock widget.

TensorFlow and napari cannot share a process here (both bring an LLVM; see
``train_process``), so the widget starts ``python -m
napari_deepss._napari.widgets.predict_process REQUEST.json``. The child runs
:func:`~napari_deepss.prediction.predict`, prints ``<MARKER><json>``
lines (``progress`` [done, total], then ``result`` or ``error``), and leaves
its output in the request's folder: ``annotations.csv`` and, when asked, the
class probabilities max-pooled in time (``band.npy``, see
:func:`pooled_rows`). Stopping terminates the child: a prediction has nothing
worth keeping halfway.

This module imports neither Qt nor napari.
"""

from __future__ import annotations

import dataclasses
import json
import subprocess
import sys
import tempfile
import threading
from collections.abc import Generator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ...annotations import Annotations, read_annotations, write_annotations
from ...errors import FileFormatError
from ...postprocess import PostprocessOptions
from ...prediction import PredictionCancelled
from ._child import ChildOutput, emit

MARKER = "@dss-predict "
#: probability traces longer than this many columns are max-pooled in time (short events stay visible)
MAX_BAND_COLUMNS = 2**16


@dataclass
class ChildResult:
    """What the child found: annotations, and optionally pooled probabilities ``band`` [song classes, columns]."""

    annotations: Annotations
    class_names: list[str]
    band: np.ndarray | None
    band_rate: float  # columns per second


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


class PredictionProcess:
    """One prediction in a child process, seen from the parent.

    The recording is its ``path``, or ``samples`` [n, channels] with their
    ``samplerate`` (handed over in an ``.npy`` file). ``updates()`` (run in a
    worker thread) yields ``(done, total)`` and returns a :class:`ChildResult`;
    it raises :class:`PredictionCancelled` after ``stop()``, and ``ValueError``
    with the child's message when prediction fails (not RuntimeError: superqt's
    generator worker reads those as "worker deleted").
    """

    def __init__(self, model_path, options: PostprocessOptions, keep_probabilities: bool, *, path=None,
                 samples: np.ndarray | None = None, samplerate: float | None = None):
        if (path is None) == (samples is None):
            raise ValueError("give the recording's path or its samples")
        self.request = {"model": str(model_path), "options": dataclasses.asdict(options),
                        "keep_probabilities": keep_probabilities}
        self.path, self.samples, self.samplerate = path, samples, samplerate
        self.output = ChildOutput(MARKER)
        self._process: subprocess.Popen | None = None
        self._stopped = threading.Event()

    def _write_request(self, folder: Path) -> Path:
        if self.path is not None:
            audio = {"path": str(self.path)}
        else:
            np.save(folder / "samples.npy", np.asarray(self.samples, dtype=np.float32))
            audio = {"samples": str(folder / "samples.npy"), "samplerate": float(self.samplerate)}
        request = folder / "request.json"
        request.write_text(json.dumps({**self.request, "audio": audio}))
        return request

    def stop(self) -> None:
        self._stopped.set()
        if self._process is not None and self._process.poll() is None:
            self._process.terminate()

    def updates(self) -> Generator[tuple[int, int], None, ChildResult]:
        with tempfile.TemporaryDirectory(prefix="dss-predict-") as folder:
            request = self._write_request(Path(folder))
            self._process = subprocess.Popen([sys.executable, "-m", __name__, str(request)], stdout=subprocess.PIPE,
                                             stderr=subprocess.STDOUT, text=True, bufsize=1)
            if self._stopped.is_set():
                self._process.terminate()
            result, error = None, None
            try:
                for line in self._process.stdout:
                    message = self.output.read(line)
                    if message is None:
                        continue
                    if "progress" in message:
                        yield tuple(message["progress"])
                    result, error = message.get("result", result), message.get("error", error)
            finally:
                if self._process.poll() is None:
                    self._process.kill()
                code = self._process.wait()
                self._process.stdout.close()
            if self._stopped.is_set():
                raise PredictionCancelled("prediction stopped")
            if error is not None:
                raise ValueError(error)
            if result is None:
                raise ValueError(self.output.ended_unexpectedly("prediction", code))
            band = Path(folder) / "band.npy"
            return ChildResult(read_annotations(Path(folder) / "annotations.csv"), result["class_names"],
                               np.load(band) if band.is_file() else None, result["band_rate"])


# --- the child ------------------------------------------------------------------------------------------------


def _emit(message: dict) -> None:
    emit(MARKER, message)


def _audio(spec: dict):
    """A recording's path, or samples from an .npy with their rate."""
    if "path" in spec:
        return spec["path"], {}
    return np.load(spec["samples"], mmap_mode="r"), {"samplerate": spec["samplerate"]}


def main(request_path: str) -> int:
    from ...prediction import predict

    request = json.loads(Path(request_path).read_text())
    folder = Path(request_path).parent
    audio, extra = _audio(request["audio"])
    probabilities_path = folder / "probabilities.npy"
    try:
        prediction = predict(audio, request["model"], options=PostprocessOptions(**request["options"]),
                             keep_probabilities=probabilities_path if request["keep_probabilities"] else False,
                             progress=lambda done, total: _emit({"progress": [done, total]}), **extra)
    except (FileFormatError, ValueError) as err:
        _emit({"error": str(err)})
        return 1
    write_annotations(prediction.annotations(), folder / "annotations.csv")
    band_rate = prediction.samplerate
    if prediction.probabilities is not None:
        band, band_rate = pooled_rows(prediction.probabilities, prediction.samplerate)
        np.save(folder / "band.npy", band)
    _emit({"result": {"class_names": prediction.class_names, "band_rate": band_rate}})
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
