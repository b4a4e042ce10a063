"""The folder part of the Predict widget: which recordings, where their annotations go, what each one got.

The run is the corpus job in a child process
(:mod:`napari_deepss.child_jobs.predict_folder`): ``<stem>_annotations.csv``
beside each recording, ``predict_summary.csv`` in the folder, resumable (a
run again skips what is up to date). An annotation file the job did not write
(a person's) is never replaced: the run then predicts nothing and this panel
offers to predict the other recordings, or to write every prediction under
another name (``<stem>_predicted_annotations.csv``).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from pathlib import Path

from magicgui.widgets import CheckBox, Container, FileEdit, Label, LineEdit, PushButton, Table

from ...annotations import ANNOTATIONS_SUFFIX
from ...child_jobs.predict_folder import FolderPrediction, predict_folder_in_child
from ...corpus import DONE, FAILED, SKIPPED
from ...corpus.summary import results_table
from ...jobs import Progress, Stopped
from ...postprocess import PostprocessOptions

OPEN, FOLDER = "open recording", "folder"
PREDICTED_SUFFIX = "_predicted" + ANNOTATIONS_SUFFIX
_NAMED = 5  # files named in the refusal before "and N more"


class FolderPanel(Container):
    """Folder, sub-folders, output name; after a run, a read-only table of each recording's result."""

    def __init__(self, start: Callable[[], None]):
        super().__init__(labels=True)
        self._start = start
        self.folder = FileEdit(name="folder", label="Folder", mode="d",
                               tooltip="Every recording in it is predicted (wav, flac, ogg, aiff, npz, h5).")
        self.recursive = CheckBox(name="recursive", label="", text="Include sub-folders", value=False)
        self.suffix = LineEdit(name="suffix", label="Write <stem>", value=ANNOTATIONS_SUFFIX,
                               tooltip="The name of each recording's annotations after its stem, beside it.")
        self.skip_button = PushButton(name="skip_button", label="", text="Predict the others, leave those alone",
                                      visible=False)
        self.rename_button = PushButton(name="rename_button", label="", visible=False,
                                        text=f"Write all as <stem>{PREDICTED_SUFFIX}")
        self.results = Table(name="results", label="", visible=False)
        self.results.read_only = True
        self.summary = Label(name="summary", label="", value="")
        self.extend([self.folder, self.recursive, self.suffix, self.skip_button, self.rename_button, self.results,
                     self.summary])
        self._skip_foreign = False
        self.skip_button.changed.connect(self._skip_and_start)
        self.rename_button.changed.connect(self._rename_and_start)

    def job(self, model, options: PostprocessOptions):
        """The folder job to run (ValueError says what is missing); a refusal's offer is used by this run only."""
        if not self.folder.line_edit.value.strip() or not Path(self.folder.value).is_dir():
            raise ValueError("choose the folder of recordings to predict.")
        skip, self._skip_foreign = self._skip_foreign, False
        self._offer(False)
        self.results.visible, self.summary.value = False, ""
        return functools.partial(predict_folder_in_child, Path(self.folder.value), model, options,
                                 recursive=self.recursive.value, suffix=self.suffix.value.strip(), skip_foreign=skip)

    def progress_text(self, step: Progress) -> str:
        return f"Predicting… {step.message}, {100 * step.done / max(step.total, 1e-9):.0f}% of the audio"

    def succeeded(self, result: FolderPrediction) -> str:
        """Show the results; the status line to show."""
        if result.refused:
            self._offer(True)
            names = ", ".join(self._shown(p) for p in result.refused[:_NAMED])
            more = f" and {len(result.refused) - _NAMED} more" if len(result.refused) > _NAMED else ""
            return (f"Nothing was predicted: {len(result.refused)} recording(s) have annotation files dss did not "
                    f"write (a person's, or predictions edited since), which are never replaced: {names}{more}. "
                    "Predict the others, or write every prediction under another name.")
        self._show(result)
        return (f"Done: predicted {result.count(DONE)}, skipped {result.count(SKIPPED)}, failed {result.count(FAILED)}. Open a "
                "recording to proofread its proposals.")

    def stopped(self, stopped: Stopped) -> str:
        if stopped.result is not None:
            self._show(stopped.result)
        return ("Stopped. Recordings finished are kept; Predict again to go on with the others (what is up to date "
                "is skipped).")

    def _show(self, result: FolderPrediction) -> None:
        columns, rows = results_table(result.results, self.folder.value)
        self.results.set_value({"data": rows, "index": [], "columns": columns})
        self.results.visible = bool(rows)
        self.summary.value = f"Summary: {result.summary}" if result.summary else ""

    def _shown(self, path: Path) -> str:
        try:
            return str(Path(path).relative_to(Path(self.folder.value).absolute()))
        except ValueError:
            return str(path)

    def _offer(self, shown: bool) -> None:
        self.skip_button.visible = self.rename_button.visible = shown

    def _skip_and_start(self) -> None:
        self._skip_foreign = True
        self._start()

    def _rename_and_start(self) -> None:
        self.suffix.value = PREDICTED_SUFFIX
        self._start()
