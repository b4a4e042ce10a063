"""Make dataset dock widget: the DeepSS "Make dataset for training" dialog in napari.

Data folders: one, plus any number of further folders (+), and the form's
*Search sub-folders* (``recursive``) to use their sub-folders too.
The form is generated from :class:`~napari_deepss.dataset.DatasetOptions`, so
its field names are the keyword names of :func:`~napari_deepss.dataset.make_dataset`
(``widget.gap_seconds.value = 0.004``). The build runs in a napari thread
worker (:class:`._job.JobController`: the GUI stays responsive) and reports to
a napari progress bar; Cancel sets the job's stop event: the build stops after
its current block and removes the unfinished folder.
"""

from __future__ import annotations

import functools
from pathlib import Path

from magicgui.widgets import CheckBox, Container, FileEdit, ListEdit
from napari.utils.notifications import show_error, show_info

from ...dataset import DatasetOptions, default_store_folder, make_dataset
from ...jobs import Progress, Stopped
from ._job import JobController, job_buttons
from .option_form import OptionForm


class MakeDatasetWidget(Container):
    """Data folder, store folder and every option of the DeepSS dialog; Make dataset and Cancel."""

    def __init__(self, napari_viewer=None):
        super().__init__(labels=True)
        self.viewer = napari_viewer
        data_folder = FileEdit(name="data_folder", label="Data folder", mode="d",
                               tooltip="Folder with recordings and <stem>_annotations.csv beside each.")
        more_folders = ListEdit(name="more_data_folders", label="More data folders", value=[], layout="vertical",
                                annotation=list[Path], options={"mode": "d"},
                                tooltip="Further folders of annotated recordings (+ adds one); recordings are named "
                                        "by their stem, which must be unique over all folders.")
        store_folder = FileEdit(name="store_folder", label="Store folder", mode="w", nullable=True, filter="*.npy",
                                tooltip="Dataset folder to write; its name must end in .npy (default: data folder + .npy).")
        overwrite = CheckBox(name="overwrite", label="Overwrite", value=False,
                             tooltip="Replace an existing store folder (otherwise it is kept and nothing is written).")
        open_when_done = CheckBox(name="open_when_done", label="Open when done", value=False,
                                  tooltip="Show the train split (audio and targets) in the viewer, to check the dataset.")
        self.run_button, self.cancel_button, self.status = job_buttons("Make dataset", "Cancel", "cancel_button")
        self.option_form = OptionForm(DatasetOptions)
        self.extend([data_folder, more_folders, store_folder, overwrite, *self.option_form.fields.values(), open_when_done,
                     self.run_button, self.cancel_button, self.status])
        self._suggested_store: Path | None = None
        self.jobs = JobController(self, "Make dataset", busy=[self.run_button], stop_button=self.cancel_button,
                                  status=self.status, on_progress=self._progressed,
                                  on_success=self._succeeded, on_stopped=self._cancelled)
        data_folder.changed.connect(self._suggest_store_folder)
        self.run_button.changed.connect(self.start)
        self.cancel_button.changed.connect(self.cancel)

    def options(self) -> dict:
        """The keyword arguments of make_dataset that the form holds."""
        return self.option_form.read().to_dict()

    def data_folders(self) -> list[Path]:
        """The data folder and the further folders chosen (empty rows left out)."""
        more = [Path(folder) for folder in self.more_data_folders.value if str(folder).strip() not in ("", ".")]
        return [self.data_folder.value, *more]

    def _suggest_store_folder(self, data_folder: Path) -> None:
        """Follow the data folder with ``<data folder>.npy`` until the user types a store folder of their own."""
        current = self.store_folder.value
        if current is None or current == self._suggested_store:
            self._suggested_store = default_store_folder(data_folder)
            self.store_folder.value = self._suggested_store

    def start(self) -> None:
        """Build the dataset in a worker thread."""
        if not self.data_folder.line_edit.value.strip():
            show_error("Make dataset: choose a data folder first.")
            return
        try:
            options = self.options()
        except ValueError as err:
            show_error(f"Make dataset: {err}")
            return
        job = functools.partial(make_dataset, self.data_folders(), self.store_folder.value,
                                overwrite=self.overwrite.value, **options)
        self.jobs.start(job, status="Checking recordings and annotations…")

    def cancel(self) -> None:
        """Stop the build after the current block; nothing is written."""
        self.jobs.stop("Cancelling…")

    def _progressed(self, step: Progress) -> None:
        self.status.value = f"Writing {step.message}…" if step.message else "Writing…"

    def _succeeded(self, summary) -> None:
        self.status.value = f"Done: {summary.store_folder}"
        show_info(f"Dataset written: {summary.describe()}")
        if self.open_when_done.value and self.viewer is not None:
            self.viewer.open(summary.store_folder, plugin="napari-deepss")

    def _cancelled(self, stopped: Stopped) -> None:
        self.status.value = "Cancelled; nothing was written."
        show_info(str(stopped))
