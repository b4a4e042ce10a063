"""The contract of every long job: making a dataset, training, predicting, evaluating (and later ones).

- A job's signature ends ``..., progress: ProgressCallback | None = None,
  stop: threading.Event | None = None)``; its other arguments come first.
- It reports as it goes by calling ``progress(Progress(...))`` from the thread
  it runs in. ``done`` of ``total`` counts the current stretch of work (a new
  stretch starts when the phase changes or ``done`` goes back, e.g. every
  epoch); ``values`` holds the job's own numbers (training: epoch, nb_epoch,
  loss, val_loss).
- **The stop rule:** a job checks ``stop`` after each step (a block written, a
  training step, a batch predicted). Once it is set, the job ends by raising
  :class:`Stopped`, and by nothing else. ``Stopped.result`` holds what the
  stopped job kept: training keeps the best model so far, writes its files and
  puts its ``TrainResult`` there; every other job writes nothing and leaves
  ``None``.

The same contract holds for a job run in a child process
(:func:`napari_deepss.child_jobs.run_in_child`), so the dock widgets, the CLI
and the Python API run every job the same way. A new job is a core function
with this signature; the ``dss`` command draws its reports with
:class:`napari_deepss.console.ConsoleProgress`; a dock widget starts it with
``JobController.start(functools.partial(job, ...))``
(``napari_deepss._napari.widgets._job``); if it needs TensorFlow there, it
also gets a module in :mod:`napari_deepss.child_jobs` and a line in its
registry.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Progress:
    """One progress report: ``done`` of ``total`` (0: unknown) in the current stretch of work."""

    done: float
    total: float = 0
    message: str = ""  # what is being worked on, for a person: "bird0_001.wav", "epoch 2/10"
    phase: str = ""  # the kind of stretch, for jobs with several: training's "train", "val", "test", "done"
    values: dict[str, Any] = field(default_factory=dict)  # job-specific numbers; JSON-safe

    def describe(self) -> str:
        """Message and phase as one line: ``"epoch 2/10, val"``."""
        return ", ".join(text for text in (self.message, self.phase) if text)


ProgressCallback = Callable[[Progress], None]


class Stopped(Exception):
    """A job ended early because its ``stop`` event was set; ``result`` is what it kept (or None).

    Not a RuntimeError: superqt's workers read those as "worker deleted" and drop them.
    """

    def __init__(self, message: str, result: Any = None):
        super().__init__(message)
        self.result = result


def check_stop(stop: threading.Event | None, message: str) -> None:
    """Raise :class:`Stopped` with ``message`` if ``stop`` is set (for jobs that keep nothing)."""
    if stop is not None and stop.is_set():
        raise Stopped(message)


def sub_progress(
    progress: ProgressCallback | None, start: float, length: float, total: float, message: str = ""
) -> ProgressCallback | None:
    """Reports of one part of a job as the stretch ``[start, start + length)`` of the job's ``total``.

    E.g. one recording of several: its prediction's samples become seconds of
    all recordings. ``message`` (if given) replaces the part's own.
    """
    if progress is None:
        return None

    def report(part: Progress) -> None:
        fraction = part.done / part.total if part.total else 0.0
        progress(Progress(start + length * fraction, total, message or part.message, part.phase, part.values))

    return report
