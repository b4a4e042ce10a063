"""One background job at a time for a dock widget: worker signals, progress bar, buttons."""

from __future__ import annotations

from napari.utils import progress


class JobMixin:
    """Runs a napari worker for a widget that has ``run_button`` and ``_stop_button``.

    The widget provides ``_progressed``, ``_succeeded`` and ``_failed``; this
    mixin connects them, disables Run while the job runs and enables the
    button that ends it, and closes the progress bar when the job finishes
    (``_job_finished`` is the widget's hook for further clean-up).
    """

    _bar: progress | None = None
    _worker = None

    def _start_job(self, worker, description: str) -> None:
        self._worker = worker
        worker.yielded.connect(self._progressed)
        worker.returned.connect(self._succeeded)
        worker.errored.connect(self._failed)
        worker.finished.connect(self._finished)
        self.run_button.enabled = False
        self._stop_button.enabled = True
        # created before the worker starts: creating a napari progress bar may process queued signals
        self._bar = progress(desc=description)
        worker.start()

    def _finished(self) -> None:
        if self._bar is not None:
            self._bar.close()
            self._bar = None
        self.run_button.enabled = True
        self._stop_button.enabled = False
        self._worker = None
        self._job_finished()

    def _job_finished(self) -> None:
        """Further clean-up once the job has ended (nothing by default)."""
