"""One job at a time for a dock widget: worker thread, buttons, progress bar, outcome hooks, shutdown on close.

A job is any callable taking the keyword arguments ``progress`` and ``stop``
that follows the contract of :mod:`napari_deepss.jobs`: a core job or a child
job with its other arguments bound (``functools.partial(make_dataset, folder)``,
``functools.partial(train_in_child, config)``). Every dock widget runs its
jobs through a :class:`JobController`.
"""

from __future__ import annotations

import collections
import threading
from collections.abc import Callable, Sequence
from typing import Any

from magicgui.widgets import Label, PushButton
from napari.qt.threading import create_worker
from napari.utils import progress as napari_progress
from napari.utils.notifications import show_error
from qtpy.QtCore import QEvent, QObject, Signal
from superqt.utils import FunctionWorker

from ...jobs import Progress, Stopped

DEFAULT_SHUTDOWN_WAIT_S = 30.0


def job_buttons(run_text: str, stop_text: str, stop_name: str = "stop_button") -> tuple[PushButton, PushButton, Label]:
    """The start button, the stop button (enabled while a job runs) and the status line of a magicgui job widget."""
    return (PushButton(name="run_button", label="", text=run_text),
            PushButton(name=stop_name, label="", text=stop_text, enabled=False),
            Label(name="status", label="", value=""))


class JobController(QObject):
    """Runs the jobs of one dock widget (``widget``: a QWidget or a magicgui widget).

    While a job runs, the ``busy`` widgets (the start button, a form) are
    disabled and ``stop_button`` is enabled; ``status`` (a label) says what
    happens; one napari progress bar shows the reports (nested bars crash
    napari 0.9.2's activity dialog) and ``on_progress`` gets them in the GUI
    thread. When the job ends, ``on_success`` gets its result, ``on_stopped``
    the :class:`~napari_deepss.jobs.Stopped` (its ``result`` is what the job
    kept), and any other error becomes one notification and status line,
    ``describe_failure(err)`` (default "<title> failed: <err>"), without a
    traceback; then the widgets are usable again. Closing the widget (the
    dock's close button takes it out of its dock: a parent change to none; a
    close event) or napari (which calls ``quit`` on the workers it tracks)
    sets the stop event and waits up to ``shutdown_wait_s`` for the job to
    end, so neither a thread nor a child process outlives the window.
    """

    _progressed = Signal(object)  # emitted in the worker thread, delivered in the GUI thread

    def __init__(
        self,
        widget,
        title: str,
        *,
        busy: Sequence,
        stop_button,
        status,
        on_success: Callable[[Any], None],
        on_stopped: Callable[[Stopped], None],
        on_progress: Callable[[Progress], None] | None = None,
        describe_failure: Callable[[Exception], str] | None = None,
        shutdown_wait_s: float = DEFAULT_SHUTDOWN_WAIT_S,
    ):
        super().__init__()
        self.title = title
        self._busy = [_qt(w) for w in busy]
        self._stop_button = _qt(stop_button)
        self._status = _qt(status)
        self._hooks = {"success": on_success, "stopped": on_stopped, "progress": on_progress}
        self._describe_failure = describe_failure or (lambda err: f"{title} failed: {err}")
        self.shutdown_wait_s = shutdown_wait_s
        self._worker: FunctionWorker | None = None
        self._connections: list = []
        self._bar: napari_progress | None = None
        self._pending: collections.deque[tuple[Callable, tuple]] = collections.deque()
        self._handling = False
        self._description = title
        self._stop = threading.Event()
        self.ended = threading.Event()  # set when the last job started has ended
        self._stop_button.setEnabled(False)
        self._progressed.connect(self._progress_arrived)
        _qt(widget).installEventFilter(self)

    @property
    def running(self) -> bool:
        return self._worker is not None

    def start(self, job: Callable[..., Any], *, status: str = "", description: str | None = None) -> None:
        """Run ``job(progress=..., stop=...)`` in a napari thread worker; ``description`` heads its progress bar."""
        if self.running:
            return
        self._stop = stop = threading.Event()
        self.ended = ended = threading.Event()
        self._description = description or self.title
        run = _Run(job, self._description, self._progressed.emit, stop, ended)
        self._worker = worker = create_worker(
            run, on_quit=self.shutdown, _worker_class=_JobWorker,
            _ignore_errors=True,  # errors become one readable notification (_errored), not a traceback
        )
        self._connections = [(worker.returned, self._returned), (worker.errored, self._errored),
                             (worker.finished, self._finished)]
        for signal, slot in self._connections:
            signal.connect(slot)
        for w in self._busy:
            w.setEnabled(False)
        self._stop_button.setEnabled(True)
        self._status.setText(status)
        # created before the worker starts: creating a napari progress bar may process queued signals
        self._bar = napari_progress(total=0, desc=self._description)
        worker.start()

    def stop(self, status: str = "Stopping…") -> None:
        """Ask the running job to stop (it ends after its current step, see napari_deepss.jobs)."""
        if self.running:
            self._stop.set()
            self._stop_button.setEnabled(False)
            self._status.setText(status)

    def shutdown(self) -> None:
        """Stop the running job because the widget or napari goes away, and wait (bounded) for it to end."""
        if not self.running:
            return
        for signal, slot in self._connections:  # the widget is going: no more hooks
            signal.disconnect(slot)
        self._stop.set()
        self.ended.wait(self.shutdown_wait_s)
        self._end()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt override)
        closing = event.type() == QEvent.Type.Close
        undocked = event.type() == QEvent.Type.ParentChange and watched.parent() is None
        if closing or undocked:
            self.shutdown()
        return False

    # the job's signals, each handled in turn ------------------------------------------------------------------

    def _progress_arrived(self, p: Progress) -> None:
        self._in_order(self._show, p)

    def _returned(self, result: Any) -> None:
        self._in_order(self._hooks["success"], result)

    def _errored(self, err: Exception) -> None:
        self._in_order(self._stopped_or_failed, err)

    def _finished(self) -> None:
        self._in_order(self._end)

    def _in_order(self, handle: Callable, *args) -> None:
        """Handle the job's signals one after another: napari's progress bar processes queued signals while it
        draws, so the next report, or the job's end, can arrive while one is being handled."""
        self._pending.append((handle, args))
        if self._handling:
            return
        self._handling = True
        try:
            while self._pending:
                handle, args = self._pending.popleft()
                handle(*args)
        finally:
            self._handling = False

    def _show(self, p: Progress) -> None:
        if self._bar is None:  # the widget was closed meanwhile
            return
        if self._hooks["progress"] is not None:
            self._hooks["progress"](p)
        bar = self._bar
        if bar.total != int(p.total):
            bar.total = int(p.total)
        description = ": ".join(text for text in (self._description, p.describe()) if text)
        if bar.desc != description:
            bar.set_description(description)
        bar.update(int(p.done) - bar.n)

    def _stopped_or_failed(self, err: Exception) -> None:
        if isinstance(err, Stopped):
            self._hooks["stopped"](err)
            return
        message = self._describe_failure(err)
        self._status.setText(message)
        show_error(message)

    def _end(self) -> None:
        self._pending.clear()
        if self._bar is not None:
            self._bar.close()
            self._bar = None
        for w in self._busy:
            w.setEnabled(True)
        self._stop_button.setEnabled(False)
        self._worker = None
        self._connections = []


class _Run:
    """The job as the worker thread runs it; ``ended`` is set however it ends."""

    def __init__(self, job, description: str, progress, stop: threading.Event, ended: threading.Event):
        self.job, self.description, self.progress, self.stop, self.ended = job, description, progress, stop, ended

    def __call__(self):
        try:
            return self.job(progress=self.progress, stop=self.stop)
        finally:
            self.ended.set()

    def __repr__(self) -> str:  # napari lists running tasks by it when its window closes
        return self.description


class _JobWorker(FunctionWorker):
    """A worker whose ``quit`` (napari calls it when its window closes or the app quits) stops the job and waits.

    Plain superqt base (not napari's): the controller reports errors itself.
    """

    def __init__(self, run: _Run, on_quit: Callable[[], None]):
        super().__init__(run)
        self._on_quit = on_quit

    def quit(self) -> None:
        self._on_quit()
        super().quit()


def _qt(widget):
    """The QWidget of a magicgui widget, or the QWidget itself."""
    return getattr(widget, "native", widget)
