"""Train dock widget: configure, run, watch and stop training from napari.

Training runs in a child process (:mod:`napari_deepss.child_jobs`), not in a
thread of the napari process: TensorFlow and napari's OpenGL canvas cannot
share a process here, and a child keeps TensorFlow's memory and start-up out of
the viewer. The widget's :class:`._job.JobController` runs it like every job:
progress bar, Stop, and on closing the widget or the viewer a stop after the
current step and a wait for the child to write its files, so neither a thread
nor a process outlives the window.
"""

from __future__ import annotations

import functools
import shlex
import stat
from collections.abc import Callable
from pathlib import Path
from typing import Any

from napari.utils.notifications import show_error, show_info
from qtpy.QtCore import Qt, QUrl
from qtpy.QtGui import QDesktopServices
from qtpy.QtWidgets import QFileDialog, QLabel, QScrollArea, QVBoxLayout, QWidget

from ...atomic import atomic_path
from ...child_jobs.train import STOP_GRACE_S, train_in_child
from ...options import read_yaml, to_argv, write_yaml
from ...training.config import TrainConfig
from ...errors import FileFormatError
from ...jobs import Progress, Stopped
from ...training import TrainResult
from ..qt_parts import button, row
from ._job import JobController
from .loss_plot import LossPlot
from .train_form import TrainForm

SHUTDOWN_WAIT_S = STOP_GRACE_S + 10  # closing waits for training to end its step and write the files

SCRIPT_HEADER = """#!/bin/bash
# Train a DeepSS network with the settings of the napari Train widget.
# To run it on another machine (e.g. a cluster node without a display):
#   - edit the paths after --data-dir and --save-dir to where the dataset lives there;
#   - activate the Python environment that has napari-deepss installed, e.g. uncomment and adapt one of:
# conda activate deepss
# source ~/venvs/deepss/bin/activate
set -e
"""


def format_result(result: TrainResult | None, head: str = "Training finished") -> str:
    """The end-of-training message: per-class test scores and the paths written."""
    if result is None:  # the child did not end in time and was killed
        return f"{head}; nothing was saved."
    lines = [f"{head}. Saved:", f"  {result.model_path}", f"  {result.params_path}"]
    if result.results_path:
        lines.append(f"  {result.results_path}")
    if result.report_path:
        lines.append(f"  {result.report_path} (figures: Open report)")
    if result.postprocessing:
        lines.append(f"Post-processing chosen on the validation data:\n{result.postprocessing}")
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

        self.start_button = button("Start", self.start, tip="Train a network with these settings.")
        self.stop_button = button("Stop", self.stop,
                                  tip="End training after the current step; the best model so far is kept.")
        self.status = QLabel("")
        self.status.setWordWrap(True)
        self.report_button = button("Open report", self.open_report,
                                    tip="Open the figures and scores of the last run (an HTML page) in the web browser.")
        self.report_button.setEnabled(False)
        self.report_path: Path | None = None
        self.loss_plot = LossPlot()
        def with_file(action, title, pattern, save):  # a slot asking for a file, then calling action(path)
            return lambda: self._with_file_dialog(action, title, pattern, save)

        save_button = button("Save settings…", with_file(self.save_settings, "Save settings", "*.yaml", True),
                             tip="Save the form to a YAML file.")
        load_button = button("Load settings…", with_file(self.load_settings, "Load settings", "*.yaml", False),
                             tip="Fill the form from a settings YAML file or a _params.yaml of an earlier run.")
        export_button = button("Export as script…", with_file(self.export_script, "Export script", "*.sh", True),
                               tip="Write a bash script whose 'dss train' line trains with these settings.")

        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(self.form)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        chrome = scroll.verticalScrollBar().sizeHint().width() + 2 * scroll.frameWidth()
        scroll.setMinimumWidth(self.form.sizeHint().width() + chrome)
        layout = QVBoxLayout(self)
        layout.addWidget(scroll, stretch=1)
        layout.addLayout(row(self.start_button, self.stop_button))
        layout.addWidget(self.status)
        layout.addWidget(self.report_button)
        layout.addWidget(self.loss_plot)
        layout.addLayout(row(save_button, load_button, export_button))

        self.jobs = JobController(
            self, "Training", busy=[self.start_button, self.form], stop_button=self.stop_button, status=self.status,
            on_progress=self._show_progress, on_success=self._finished, on_stopped=self._stopped,
            describe_failure=describe_error, shutdown_wait_s=SHUTDOWN_WAIT_S,
        )

    # --- configuration --------------------------------------------------------------------------------------

    def config(self) -> TrainConfig:
        return self.form.config()

    def set_config(self, config: TrainConfig) -> None:
        self.form.set_config(config)

    def save_settings(self, path: str | Path) -> Path:
        """Write the form as YAML (the same keys as ``_params.yaml``)."""
        return write_yaml(self.config(), path)

    def load_settings(self, path: str | Path) -> None:
        """Fill the form from a settings file or an earlier run's ``_params.yaml``."""
        self.set_config(read_yaml(TrainConfig, path))

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
        return self.jobs.running

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
        self.loss_plot.clear()
        self._offer_report(None)
        self.jobs.start(functools.partial(train_in_child, config), description=f"DeepSS training on "
                        f"{Path(config.data_dir).name}", status="Starting (loading TensorFlow and the dataset)…")

    def stop(self) -> None:
        """End training after the current step; the trainer keeps the best model and writes its files."""
        self.jobs.stop("Stopping after the current step…")

    def _show_progress(self, update: Progress) -> None:
        epoch, last_step = update.values.get("epoch"), update.done == update.total
        loss, val_loss = update.values.get("loss"), update.values.get("val_loss")
        if update.phase == "train" and loss is not None:
            self.loss_plot.add_train(epoch - 1 + update.done / update.total, loss)
        if update.phase == "val" and last_step and val_loss is not None:
            self.loss_plot.add_val(epoch, val_loss)
        self.status.setText(_progress_text(update))

    def _finished(self, result: TrainResult) -> None:
        self._offer_report(result)
        self._report(format_result(result))

    def _stopped(self, stopped: Stopped) -> None:
        self._offer_report(stopped.result)
        self._report(format_result(stopped.result, "Training stopped early"))

    def _offer_report(self, result: TrainResult | None) -> None:
        self.report_path = result.report_path if result is not None else None
        self.report_button.setEnabled(self.report_path is not None)

    def open_report(self) -> None:
        """Show the last run's report in the web browser."""
        if self.report_path is not None:
            QDesktopServices.openUrl(QUrl.fromLocalFile(str(self.report_path)))

    def _report(self, message: str) -> None:
        self.status.setText(message)
        show_info(message)


PHASE_TEXT = {"post-processing": "Choosing the post-processing on the validation recordings…",
              "test": "Testing the best model on the test set…", "done": "Done."}


def _progress_text(update: Progress) -> str:
    if update.phase in PHASE_TEXT:
        return PHASE_TEXT[update.phase]
    text = f"{update.message}, step {update.done}/{update.total}"
    for name, label in (("loss", "loss"), ("val_loss", "val loss")):
        if update.values.get(name) is not None:
            text += f" · {label} {update.values[name]:.4g}"
    return text
