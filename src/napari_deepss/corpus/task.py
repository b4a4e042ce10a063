"""One recording of a corpus run: predict it, write its outputs, and say what was found.

The same function runs in the calling process and on a Dask worker, so both
write the same files. It never raises for a bad recording: a failure is a
:class:`FileResult` with the reason, and the run goes on with the others.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ..annotation_saving import write_with_backup
from ..annotations import Annotations, annotations_to_csv_text
from ..errors import FileFormatError
from ..jobs import ProgressCallback, Stopped
from .outputs import Outputs, Recipe, write_record

DONE, SKIPPED, FAILED, PENDING = "done", "skipped", "failed", "pending"


@dataclass(frozen=True)
class FileTask:
    """A recording to predict, where its outputs go, and the digest of its own earlier CSV when redoing one."""

    recording: Path
    outputs: Outputs
    duration_seconds: float
    previous_csv_sha256: str | None = None


@dataclass
class FileResult:
    """One row of the summary: what happened to a recording and what its CSV holds."""

    recording: Path
    csv: Path
    status: str  # DONE, SKIPPED, FAILED or PENDING (not reached, or the run was stopped)
    message: str = ""
    duration_seconds: float | None = None
    seconds_taken: float | None = None
    song_types: dict[str, str] = field(default_factory=dict)  # name -> "event" | "segment"
    counts: dict[str, int] = field(default_factory=dict)  # name -> events or segments found
    song_seconds: float | None = None  # summed duration of the segments

    def with_findings(self, table: Annotations) -> FileResult:
        """This result with the song found in ``table`` (the CSV written or kept)."""
        self.song_types = dict(table.song_types)
        self.counts = {name: len(times) for name, times in {**table.events(), **table.segments()}.items()}
        self.song_seconds = float(sum(np.sum(t[:, 1] - t[:, 0]) for t in table.segments().values()))
        return self


def predict_file(
    task: FileTask,
    recipe: Recipe,
    network: tuple,
    *,
    batch_size: int,
    progress: ProgressCallback | None = None,
    stop: threading.Event | None = None,
) -> FileResult:
    """Predict ``task.recording`` with ``network`` (``(model, params)``) and write its outputs.

    ``stop`` only needs ``is_set()`` (a Dask worker passes its own flag); once
    set, the recording ends as PENDING with nothing written for it.
    """
    from ..prediction import predict

    started = time.perf_counter()
    result = FileResult(task.recording, task.outputs.csv, DONE, duration_seconds=task.duration_seconds)
    try:
        task.outputs.csv.parent.mkdir(parents=True, exist_ok=True)
        model, params = network
        prediction = predict(task.recording, model, params=params, options=recipe.options, batch_size=batch_size,
                             keep_probabilities=task.outputs.probabilities if recipe.probabilities else False,
                             probability_format=recipe.probabilities,
                             progress=progress, stop=stop)
        table = prediction.annotations()
        write_prediction(table, task, recipe)
        result.with_findings(table)
    except Stopped:
        result.status, result.message = PENDING, "the run was stopped before this recording was done"
    except Exception as err:  # one bad recording must not end the run: it is reported in the summary
        result.status, result.message = FAILED, describe_error(err)
    result.seconds_taken = time.perf_counter() - started
    return result


def write_prediction(table: Annotations, task: FileTask, recipe: Recipe) -> None:
    """The one place a corpus run writes a recording's annotations: its provenance record, then the CSV."""
    write_record(task.outputs, task.recording, recipe, annotations_to_csv_text(table), task.previous_csv_sha256)
    write_with_backup(table, task.outputs.csv)  # a replaced file (--overwrite) is kept as its backup


def describe_error(err: BaseException) -> str:
    """One line for the summary: the user-facing message, or the error's type and message."""
    if isinstance(err, FileFormatError):
        return str(err)
    text = " ".join(str(err).split()) or "no message"
    return f"{type(err).__name__}: {text}"
