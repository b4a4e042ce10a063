"""Predict a whole corpus: every recording, resumably, in this process or on a Dask cluster.

:func:`predict_corpus` plans the run first (outputs, what is up to date, what
must not be replaced; :mod:`.outputs`), writes ``predict_summary.csv``, then
predicts the remaining recordings one after another in this process (the
default: no Dask involved) or on a Dask cluster (:mod:`.on_dask`), rewriting
the summary as results come in (at most every :data:`SUMMARY_EVERY_S`) and at
the end. It is a long job (:mod:`napari_deepss.jobs`): ``progress`` counts
seconds of audio of the recordings to predict, with ``"k/n files"`` as the
message and, when a recording ends, its summary row in ``values["file"]``.
Setting ``stop`` ends the run after the current batches; finished
recordings keep their outputs and :class:`~napari_deepss.jobs.Stopped` carries
the :class:`CorpusResult`.
"""

from __future__ import annotations

import contextlib
import os
import threading
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from ..annotations import ANNOTATIONS_SUFFIX, read_annotations
from ..audio import audio_info
from ..errors import FileFormatError
from ..jobs import Progress, ProgressCallback, Stopped
from ..postprocess import PostprocessOptions
from ..prediction import DEFAULT_BATCH_SIZE
from ..probability_files import ProbabilityFormat
from .outputs import SUMMARY_NAME, Recipe, corpus_root, output_state, plan_outputs
from .summary import write_summary
from .task import FAILED, PENDING, SKIPPED, FileResult, FileTask, describe_error, predict_file

SUMMARY_EVERY_S = 30.0
_LISTED = 10  # existing files named in the error before "and N more"


class ForeignOutputs(FileExistsError):
    """Output files exist that this program did not write; nothing was predicted.

    ``files``: ``(recording, its existing output)`` for each, so a caller can
    leave those recordings out or choose another suffix.
    """

    def __init__(self, message: str, files: list[tuple[Path, Path]]):
        super().__init__(message)
        self.files = files


@dataclass
class CorpusResult:
    """Every recording's :class:`~.task.FileResult` (in the order given) and the summary's path."""

    results: list[FileResult]
    summary: Path

    def count(self, status: str) -> int:
        return sum(r.status == status for r in self.results)


def predict_corpus(
    recordings: Sequence[str | os.PathLike],
    network: str | os.PathLike,
    *,
    options: PostprocessOptions | None = None,
    suffix: str = ANNOTATIONS_SUFFIX,
    out_dir: str | os.PathLike | None = None,
    summary: str | os.PathLike | None = None,
    overwrite: bool = False,
    force: bool = False,
    save_probabilities: bool = False,
    probability_format: ProbabilityFormat | None = None,
    batch_size: int = DEFAULT_BATCH_SIZE,
    precision: str | None = "auto",
    threads: int | None = None,
    workers: int | None = None,
    scheduler: str | None = None,
    progress: ProgressCallback | None = None,
    stop: threading.Event | None = None,
) -> CorpusResult:
    """Annotate ``recordings`` (see :func:`.sources.find_recordings`) with the trained ``network`` (its prefix).

    Outputs go beside each recording, or below ``out_dir`` (mirroring the folders under the recordings' common
    folder); the summary to ``summary``, by default ``predict_summary.csv`` in ``out_dir`` or that common folder.
    Outputs of an earlier run that are up to date are skipped unless ``force``; a file this program did not write
    (a person's annotations) stops the run before anything is predicted, unless ``overwrite``.
    ``save_probabilities``: also ``<stem>_probabilities.npy`` in ``probability_format``
    (:mod:`~napari_deepss.probability_files`). ``precision``: the network's arithmetic in every process
    (``auto``, ``off``, ``bfloat16``, ``float16``; None: as saved). ``threads``: TensorFlow's in each process
    (:mod:`~napari_deepss.cpu_threads`). ``workers``: a local Dask cluster of that many
    processes; ``scheduler``: the address (or scheduler file) of a running Dask cluster.
    """
    if workers is not None and scheduler is not None:
        raise ValueError("give the number of local workers or a scheduler's address, not both")
    if workers is not None and workers < 1:
        raise ValueError(f"--workers must be at least 1, got {workers}")
    if batch_size < 1:
        raise ValueError(f"--batch-size must be at least 1, got {batch_size}")
    recordings = list(dict.fromkeys(Path(os.path.normpath(Path(r).absolute())) for r in recordings))
    if not recordings:
        raise ValueError("no recordings to predict")
    form = (probability_format or ProbabilityFormat()) if save_probabilities else None
    recipe, network_mtime = _recipe(network, options or PostprocessOptions(), form, precision)
    rows, tasks = _plan(recordings, plan_outputs(recordings, suffix, out_dir), recipe, network_mtime,
                        overwrite, force)
    summary = Path(os.path.normpath(Path(summary or Path(out_dir or corpus_root(recordings)) / SUMMARY_NAME)
                                    .absolute()))
    with _engine(tasks, recipe, batch_size, threads, workers, scheduler) as engine:
        try:  # before any work: a summary that cannot be written fails now
            summary.parent.mkdir(parents=True, exist_ok=True)
            write_summary(summary, rows.values())
        except OSError as err:
            raise FileFormatError(summary, f"cannot write the summary here ({err.strerror or err}); choose "
                                  "another place with --summary or --out-dir") from None
        _run(engine, tasks, rows, summary, _Tally(tasks, progress), stop)
    outcome = CorpusResult(list(rows.values()), summary)
    if stop is not None and stop.is_set() and outcome.count(PENDING):
        raise Stopped(f"the run was stopped with {outcome.count(PENDING)} recording(s) left; run it again to "
                      "predict them", outcome)
    return outcome


def _recipe(network, options: PostprocessOptions, probabilities: ProbabilityFormat | None,
            precision: str | None) -> tuple[Recipe, int]:
    """What makes this run's outputs, and the time the network last changed (FileFormatError if it is missing)."""
    from ..network_files import MODEL_SUFFIX, network_paths

    files = network_paths(network)
    prefix = os.path.normpath(files[0].absolute()).removesuffix(MODEL_SUFFIX)
    return Recipe(prefix, options, probabilities, precision), max(f.stat().st_mtime_ns for f in files)


def _plan(recordings, planned, recipe: Recipe, network_mtime: int, overwrite: bool, force: bool):
    """``(summary rows by recording, tasks to predict)``; ForeignOutputs for files this program did not write."""
    rows, tasks, foreign = {}, [], []
    for recording, outputs in zip(recordings, planned):
        row = rows[recording] = FileResult(recording, outputs.csv, PENDING)
        try:
            row.duration_seconds = audio_info(recording).duration_seconds
            state, previous = output_state(recording, outputs, recipe, network_mtime)
            if state == "fresh" and not force:
                row.with_findings(read_annotations(outputs.csv))
                row.status, row.message = SKIPPED, "up to date (--force predicts it again)"
                continue
        except (FileFormatError, OSError) as err:
            row.status, row.message = FAILED, describe_error(err)
            continue
        if state == "foreign":
            foreign.append((recording, outputs.csv))
        tasks.append(FileTask(recording, outputs, row.duration_seconds, previous))
    if foreign and not overwrite:
        more = f", and {len(foreign) - _LISTED} more" if len(foreign) > _LISTED else ""
        raise ForeignOutputs(
            f"{len(foreign)} output file(s) exist that dss predict did not write, or that were edited since (human "
            f"annotations are never replaced silently): {', '.join(str(csv) for _, csv in foreign[:_LISTED])}{more}. "
            f"Nothing was predicted. Write under another name (e.g. --suffix _predicted{ANNOTATIONS_SUFFIX}) or "
            "replace them with --overwrite.",
            foreign,
        )
    return rows, tasks


@contextlib.contextmanager
def _engine(tasks, recipe: Recipe, batch_size: int, threads: int | None, workers: int | None, scheduler: str | None):
    """Where the tasks run: nowhere (nothing to do), this process, or a Dask cluster (started here for ``workers``)."""
    if not tasks:
        yield None
    elif workers is None and scheduler is None:
        yield _InProcess(recipe, batch_size, threads)
    else:
        from .on_dask import DaskEngine

        with DaskEngine(recipe, batch_size, threads=threads, workers=workers, scheduler=scheduler) as engine:
            yield engine


def _run(engine, tasks, rows: dict, summary: Path, tally: _Tally, stop) -> None:
    if engine is None:
        return
    written = time.monotonic()
    try:
        for result in engine.run(tasks, tally, stop):
            rows[result.recording] = result
            tally.finished(result)
            if time.monotonic() - written > SUMMARY_EVERY_S:
                write_summary(summary, rows.values())
                written = time.monotonic()
    finally:
        write_summary(summary, rows.values())


class _InProcess:
    """Today's path: the network loaded once in this process, the recordings predicted one after another."""

    def __init__(self, recipe: Recipe, batch_size: int, threads: int | None):
        from ..prediction import resolve_model
        from ..quiet_tensorflow import quiet_tensorflow

        self.recipe, self.batch_size = recipe, batch_size
        quiet_tensorflow(threads=threads)
        self.network = resolve_model(recipe.network, precision=recipe.precision)

    def run(self, tasks, tally: _Tally, stop) -> Iterator[FileResult]:
        for task in tasks:
            if stop is not None and stop.is_set():
                return
            yield predict_file(task, self.recipe, self.network, batch_size=self.batch_size,
                               progress=tally.part(task), stop=stop)


class _Tally:
    """Progress over the recordings to predict: seconds of audio of finished and running recordings."""

    def __init__(self, tasks: list[FileTask], progress: ProgressCallback | None):
        self.progress = progress
        self.durations = {t.recording: t.duration_seconds for t in tasks}
        self.total = sum(self.durations.values())
        self.seconds = 0.0
        self.files = self.failed = 0
        self.running: dict[Path, float] = {}
        self.ended: set[Path] = set()

    def running_part(self, recording: Path, fraction: float) -> None:
        if recording in self.ended:  # a worker's last report may arrive after its result
            return
        self.running[recording] = self.durations.get(recording, 0.0) * min(max(fraction, 0.0), 1.0)
        self._report()

    def part(self, task: FileTask) -> ProgressCallback:
        """A recording's own prediction progress (samples) as part of the run's."""
        return lambda p: self.running_part(task.recording, p.done / p.total if p.total else 0.0)

    def finished(self, result: FileResult) -> None:
        self.running.pop(result.recording, None)
        self.ended.add(result.recording)
        if result.status == PENDING:
            return
        self.files += 1
        self.failed += result.status == FAILED
        self.seconds += self.durations.get(result.recording, 0.0)
        self._report(file={"recording": str(result.recording), "output": str(result.csv), "status": result.status,
                           "message": result.message, "counts": dict(result.counts)})

    def _report(self, **values) -> None:
        if self.progress is not None:
            done = self.seconds + sum(self.running.values())
            self.progress(Progress(min(done, self.total), self.total, f"{self.files}/{len(self.durations)} files",
                                   values={"files": self.files, "failed": self.failed, **values}))

