"""Train dock widget: configure, run, watch and stop training from napari.

Training runs in a child process (``train_process``), not in a thread of the
napari process: TensorFlow and napari's OpenGL canvas cannot share a process
here (see ``train_process`` for the measured crash), and a child keeps
TensorFlow's memory and start-up out of the viewer. A napari generator worker
thread reads the child's progress and hands it to the GUI thread; it is a
worker napari tracks, so closing napari asks to stop it. Closing the widget or
the viewer stops training after the current step and waits for the child to
write its files, so neither a thread nor a process outlives the window.
"""

from __future__ import annotations

import shlex
import stat
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml
from napari.qt.threading import create_worker
from napari.utils import progress
from napari.utils.notifications import show_error, show_info
from qtpy.QtCore import QEvent, Qt
from qtpy.QtWidgets import QFileDialog, QHBoxLayout, QLabel, QPushButton, QScrollArea, QVBoxLayout, QWidget
from superqt.utils import GeneratorWorker

from ...atomic import atomic_path
from ...options import to_argv
from ...training.config import TrainConfig
from ...errors import FileFormatError
from ...training import TrainProgress, TrainResult
from .loss_plot import LossPlot
from .train_form import TrainForm
from .train_process import TrainingProcess

SHUTDOWN_WAIT_S = 120.0  # how long closing waits for training to end its step and write the files

SCRIPT_HEADER = """#!/bin/bash
# Train a DeepSS network with the settings of the napari Train widget.
# To run it on another machine (e.g. a cluster node without a display):
#   - edit the paths after --data-dir and --save-dir to where the dataset lives there;
#   - activate the Python environment that has napari-deepss installed, e.g. uncomment and adapt one of:
# conda activate deepss
# source ~/venvs/deepss/bin/activate
set -e
"""


class _TrainingWorker(GeneratorWorker):
    """A worker whose ``quit`` stops training and waits for it.

    napari calls ``quit`` on the workers it tracks when its window closes.
    Plain superqt base (not napari's): the widget reports errors itself, as one
    readable notification.
    """

    def __init__(self, updates: Callable, on_quit: Callable[[], None]):
        super().__init__(updates)
        self._on_quit = on_quit

    def quit(self) -> None:
        self._on_quit()
        super().quit()


def format_result(result: TrainResult) -> str:
    """The end-of-training message: per-class test scores and the paths written."""
    head = "Training stopped early" if result.stopped else "Training finished"
    lines = [f"{head}. Saved:", f"  {result.model_path}", f"  {result.params_path}"]
    if result.results_path:
        lines.append(f"  {result.results_path}")
    if result.report:
        lines.append("Test scores (precision / recall / F1):")
        for name, scores in result.report.items():
            lines.append(f"  {name}: {scores['precision']:.3f} / {scores['recall']:.3f} / {scores['f1']:.3f}")
    return "\n".join(lines)


def describe_error(err: BaseException) -> str:
    """A one-paragraph message for a failed run, with what to do for out-of-memory errors."""
    text = f"Training failed: {err}"
    if "ResourceExhausted" in text or "OOM" in text or "lack of memory" in text:
        text += "\nOut of memory: reduce the batch size, the chunk duration (nb_hist) or the number of filters."
    return text


class TrainWidget(QWidget):
    """The DeepSS "Train" dialog as a dock widget.

    Each option of ``TrainConfig`` is an attribute holding its magicgui widget
    (``widget.nb_hist.value = 512``); ``config()`` reads the form.
    """

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.form = TrainForm()
        for name, field_widget in self.form.fields.items():
            if hasattr(self, name):
                raise RuntimeError(f"option name {name!r} clashes with a QWidget attribute")
            setattr(self, name, field_widget)

        self.start_button = QPushButton("Start")
        self.stop_button = QPushButton("Stop")
        self.stop_button.setEnabled(False)
        self.start_button.setToolTip("Train a network with these settings.")
        self.stop_button.setToolTip("End training after the current step; the best model so far is kept.")
        self.status = QLabel("")
        self.status.setWordWrap(True)
        self.loss_plot = LossPlot()
        save_button = QPushButton("Save settings…")
        load_button = QPushButton("Load settings…")
        export_button = QPushButton("Export as script…")
        save_button.setToolTip("Save the form to a YAML file.")
        load_button.setToolTip("Fill the form from a settings YAML file or a _params.yaml of an earlier run.")
        export_button.setToolTip("Write a bash script whose 'dss train' line trains with these settings.")

        self.start_button.clicked.connect(self.start)
        self.stop_button.clicked.connect(self.stop)
        save_button.clicked.connect(lambda: self._with_file_dialog(self.save_settings, "Save settings", "*.yaml", True))
        load_button.clicked.connect(lambda: self._with_file_dialog(self.load_settings, "Load settings", "*.yaml", False))
        export_button.clicked.connect(lambda: self._with_file_dialog(self.export_script, "Export script", "*.sh", True))

        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(self.form)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        chrome = scroll.verticalScrollBar().sizeHint().width() + 2 * scroll.frameWidth()
        scroll.setMinimumWidth(self.form.sizeHint().width() + chrome)
        layout = QVBoxLayout(self)
        layout.addWidget(scroll, stretch=1)
        layout.addLayout(_row(self.start_button, self.stop_button))
        layout.addWidget(self.status)
        layout.addWidget(self.loss_plot)
        layout.addLayout(_row(save_button, load_button, export_button))

        self._run: TrainingProcess | None = None
        self._worker: _TrainingWorker | None = None
        self._bars: list[progress] = []
        self._phase = ""

    # --- configuration --------------------------------------------------------------------------------------

    def config(self) -> TrainConfig:
        return self.form.config()

    def set_config(self, config: TrainConfig) -> None:
        self.form.set_config(config)

    def save_settings(self, path: str | Path) -> Path:
        """Write the form as YAML (the same keys as ``_params.yaml``)."""
        path = Path(path)
        with atomic_path(path) as tmp:
            tmp.write_text(yaml.safe_dump(self.config().to_dict(), sort_keys=False))
        return path

    def load_settings(self, path: str | Path) -> None:
        """Fill the form from a settings file or an earlier run's ``_params.yaml``."""
        try:
            values = yaml.safe_load(Path(path).read_text())
        except (OSError, yaml.YAMLError) as err:
            raise FileFormatError(path, f"cannot read settings ({err})") from None
        if not isinstance(values, dict):
            raise FileFormatError(path, "not a settings file (expected option: value lines)")
        try:
            self.set_config(TrainConfig.from_dict(values))
        except ValueError as err:
            raise FileFormatError(path, str(err)) from None

    def command_line(self) -> str:
        """The ``dss train ...`` line reproducing the form."""
        return shlex.join(["dss", "train", *to_argv(self.config().validate())])

    def export_script(self, path: str | Path) -> Path:
        """Write an executable bash script that runs ``dss train`` with the form's settings."""
        path = Path(path)
        text = SCRIPT_HEADER + self.command_line() + "\n"
        with atomic_path(path) as tmp:
            tmp.write_text(text)
            tmp.chmod(tmp.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
        return path

    def _with_file_dialog(self, action: Callable[[str], Any], title: str, pattern: str, save: bool) -> None:
        ask = QFileDialog.getSaveFileName if save else QFileDialog.getOpenFileName
        path, _ = ask(self, title, "", pattern)
        if not path:
            return
        try:
            action(path)
        except (FileFormatError, ValueError, OSError) as err:
            show_error(f"{title}: {err}")

    # --- running ----------------------------------------------------------------------------------------------

    @property
    def running(self) -> bool:
        return self._run is not None

    def start(self) -> None:
        """Check the form and the dataset, then train in a child process."""
        if self.running:
            return
        try:
            config = self.config().validate()
            self.form.check_dataset()
        except (FileFormatError, ValueError) as err:
            show_error(f"Cannot start training: {err}")
            return
        self._run = TrainingProcess(config, SHUTDOWN_WAIT_S)
        self._worker = create_worker(
            self._run.updates, on_quit=self._shutdown, _worker_class=_TrainingWorker, _ignore_errors=True
        )
        self._worker.yielded.connect(self._show_progress)
        self._worker.returned.connect(self._finished)
        self._worker.errored.connect(self._failed)
        self._worker.finished.connect(self._cleanup)
        epochs = progress(total=config.nb_epoch, desc="DeepSS training: epochs")
        # not nested under the epochs bar: closing a nested pair segfaults napari 0.9.2's activity dialog
        self._bars = [epochs, progress(total=0, desc="steps")]
        self._phase = ""
        self.loss_plot.clear()
        self.status.setText("Starting (loading TensorFlow and the dataset)…")
        self._set_busy(True)
        self._worker.start()

    def stop(self) -> None:
        """End training after the current step; the trainer keeps the best model and writes its files."""
        if self._run is not None:
            self._run.request_stop()
            self.stop_button.setEnabled(False)
            self.status.setText("Stopping after the current step…")

    def _show_progress(self, update: TrainProgress) -> None:
        if not self._bars:
            return
        epochs, steps = self._bars
        completed = update.epoch if update.phase != "train" else update.epoch - 1
        epochs.update(completed - epochs.n)
        if update.phase != self._phase:
            self._phase = update.phase
            steps.set_description(f"{update.phase} steps")
        if steps.total != update.steps_per_epoch:
            steps.total = update.steps_per_epoch
        steps.update(update.step - steps.n)
        last_step = update.step == update.steps_per_epoch
        if update.phase == "train" and update.loss is not None:
            self.loss_plot.add_train(update.epoch - 1 + update.step / update.steps_per_epoch, update.loss)
        if update.phase == "val" and last_step and update.val_loss is not None:
            self.loss_plot.add_val(update.epoch, update.val_loss)
        self.status.setText(_progress_text(update))

    def _finished(self, result: TrainResult) -> None:
        message = format_result(result)
        self.status.setText(message)
        show_info(message)

    def _failed(self, err: BaseException) -> None:
        message = describe_error(err)
        self.status.setText(message)
        show_error(message)

    def _cleanup(self) -> None:
        for bar in reversed(self._bars):
            bar.close()
        self._bars = []
        self._run = self._worker = None
        self._set_busy(False)

    def _set_busy(self, busy: bool) -> None:
        self.form.setEnabled(not busy)
        self.start_button.setEnabled(not busy)
        self.stop_button.setEnabled(busy)

    def _shutdown(self) -> None:
        """Stop a run because the widget or the window goes away, and wait for the child to end."""
        run, worker = self._run, self._worker
        if run is None:
            return
        for signal, slot in (
            (worker.yielded, self._show_progress),
            (worker.returned, self._finished),
            (worker.errored, self._failed),
            (worker.finished, self._cleanup),
        ):
            signal.disconnect(slot)
        run.stop_and_wait()
        self._cleanup()

    # --- closing ----------------------------------------------------------------------------------------------

    def event(self, event: QEvent) -> bool:
        # napari's dock close button takes the widget out of its dock (parent None)
        if event.type() == QEvent.Type.ParentChange and self.parent() is None:
            self._shutdown()
        return super().event(event)

    def closeEvent(self, event) -> None:  # noqa: N802 (Qt override)
        self._shutdown()
        super().closeEvent(event)


def _row(*widgets: QWidget) -> QHBoxLayout:
    row = QHBoxLayout()
    for widget in widgets:
        row.addWidget(widget)
    return row


def _progress_text(update: TrainProgress) -> str:
    if update.phase == "test":
        return "Testing the best model on the test set…"
    text = f"epoch {update.epoch}/{update.nb_epoch}, step {update.step}/{update.steps_per_epoch}"
    if update.loss is not None:
        text += f" · loss {update.loss:.4g}"
    if update.val_loss is not None:
        text += f" · val loss {update.val_loss:.4g}"
    return text
