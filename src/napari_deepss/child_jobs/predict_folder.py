"""Predicting a folder of recordings as a child job, for the Predict dock widget.

The work is the corpus job, :func:`napari_deepss.corpus.predict_corpus`
(resumable, ``predict_summary.csv``, progress over seconds of audio with a
``"file"`` row per recording ended); this module only carries it across the
process boundary. It never replaces an annotation file the corpus job did not
write (a person's): such a run comes back ``refused`` with nothing predicted,
unless ``skip_foreign`` leaves those recordings out (listed as skipped, their
files untouched).
"""

from __future__ import annotations

import functools
import threading
from dataclasses import dataclass, field
from pathlib import Path

from ..annotations import ANNOTATIONS_SUFFIX
from ..corpus.task import SKIPPED, FileResult
from ..jobs import ProgressCallback, Stopped
from ..postprocess import PostprocessOptions
from .runner import run_in_child

#: the note of a recording left out because an annotation file the corpus job did not write is there
LEFT_ALONE = "left alone: it has an annotation file that dss did not write"


@dataclass
class FolderPrediction:
    """Each recording's result (in path order) and the summary CSV (None if nothing ran); ``refused``: the
    existing annotation files dss did not write that the run would have replaced (then nothing was predicted)."""

    results: list[FileResult] = field(default_factory=list)
    summary: Path | None = None
    refused: list[Path] = field(default_factory=list)

    def count(self, status: str) -> int:
        return sum(r.status == status for r in self.results)


def predict_folder_in_child(
    folder,
    model_path,
    options: PostprocessOptions,
    *,
    recursive: bool = False,
    suffix: str = ANNOTATIONS_SUFFIX,
    skip_foreign: bool = False,
    progress: ProgressCallback | None = None,
    stop: threading.Event | None = None,
) -> FolderPrediction:
    """Predict the recordings in ``folder`` (and its sub-folders if ``recursive``), writing ``<stem><suffix>``
    beside each, in a child process; ``Stopped.result`` is the :class:`FolderPrediction` so far."""
    request = {"folder": str(folder), "model": str(model_path), "options": options.to_dict(),
               "recursive": recursive, "suffix": suffix, "skip_foreign": skip_foreign}
    return run_in_child("predict_folder", request, decode=_decode, progress=progress, stop=stop)


def run(request: dict, *, progress: ProgressCallback, stop: threading.Event) -> FolderPrediction:
    from ..corpus import ForeignOutputs, find_recordings, predict_corpus

    recordings = find_recordings([request["folder"]], recursive=request["recursive"])
    corpus = functools.partial(predict_corpus, network=request["model"],
                               options=PostprocessOptions.from_dict(request["options"]), suffix=request["suffix"],
                               progress=progress, stop=stop)
    try:
        return _predicted(corpus, recordings, [])
    except ForeignOutputs as refused:
        if not request["skip_foreign"]:
            return FolderPrediction(refused=[csv for _, csv in refused.files])
        left = [FileResult(recording, csv, SKIPPED, LEFT_ALONE) for recording, csv in refused.files]
        kept = {r.recording for r in left}
        return _predicted(corpus, [r for r in recordings if r not in kept], left)


def _predicted(corpus, recordings: list[Path], left: list[FileResult]) -> FolderPrediction:
    """Run the corpus job on ``recordings``; the recordings ``left`` out join its results in path order."""
    if not recordings:
        return FolderPrediction(left)
    try:
        outcome = corpus(recordings)
    except Stopped as stopped:
        kept = stopped.result
        raise Stopped(str(stopped), FolderPrediction(_in_order(kept.results + left), kept.summary)) from None
    return FolderPrediction(_in_order(outcome.results + left), outcome.summary)


def _in_order(results: list[FileResult]) -> list[FileResult]:
    return sorted(results, key=lambda r: str(r.recording))


def _decode(values: dict) -> FolderPrediction:
    results = [FileResult(**{**r, "recording": Path(r["recording"]), "csv": Path(r["csv"])})
               for r in values["results"]]
    summary = values["summary"]
    return FolderPrediction(results, None if summary is None else Path(summary), [Path(p) for p in values["refused"]])

