"""Annotate's *Quick train* panel: train a small network on what is annotated so far, get proposals for the rest.

One click runs :func:`~napari_deepss.quick_train.quick_train` in a child
process on every open recording: each recording's annotations (as shown, saved
or not, proposals left out) up to its last approved annotation, or the
visible range of the current recording, train; the rest of every recording
gets proposals. The network is saved in *Networks in*; *Continue from* then
holds it, so the next round fine-tunes it on the grown annotations (clear it
to start from scratch). The settings are those of
:class:`~napari_deepss.quick_train.QuickTrainOptions`.
"""

from __future__ import annotations

import functools
from pathlib import Path

from magicgui.widgets import ComboBox, Container, FileEdit
from napari.utils.notifications import show_error, show_info
from qtpy.QtWidgets import QVBoxLayout, QWidget

from ...annotations import Annotations
from ...child_jobs.quick_train import STOP_GRACE_S, quick_train_in_child
from ...jobs import Progress, Stopped
from ...quick_train import QuickRecording, QuickTrainOptions, annotated_range, rest_of
from ..annotation_edits import editor_for
from ..navigation import visible_time_range
from ..qt_parts import collapsible
from ..recording_annotations import add_proposals, own_layers
from ..recording_layers import recording_of, spectrogram_of, spectrograms
from ._job import JobController, job_buttons
from .option_form import FolderEdit, OptionForm

UP_TO_LAST = "everything up to the last annotation"
VISIBLE = "the visible range (current recording)"
DEFAULT_FOLDER = "quick_train.res"


class QuickTrainPanel(QWidget):
    """What to train on, where networks go, the network continued; Quick train and Stop; settings."""

    def __init__(self, session, parent=None):
        super().__init__(parent)
        self.session = session
        self.viewer = session.viewer
        self.form = OptionForm(QuickTrainOptions)
        self.train_on = ComboBox(name="train_on", label="Train on", choices=(UP_TO_LAST, VISIBLE), value=UP_TO_LAST)
        self.save_dir = FolderEdit(name="save_dir", label="Networks in",
                                   tooltip=f"Folder for the networks (default: {DEFAULT_FOLDER} beside the first "
                                   "recording).")
        self.continue_from = FileEdit(name="continue_from", label="Continue from", mode="r", filter="*_model.h5",
                                      nullable=True, tooltip="Fine-tune this network (the last round's) instead of "
                                      "starting over; clear it to start from scratch.")
        self.run_button, self.stop_button, self.status = job_buttons("Quick train", "Stop")
        self.status.native.setWordWrap(True)
        settings = collapsible("Settings", Container(widgets=list(self.form.fields.values()), labels=True).native)
        layout = QVBoxLayout(self)
        layout.addWidget(Container(widgets=[self.train_on, self.save_dir, self.continue_from], labels=True).native)
        layout.addWidget(settings)
        layout.addWidget(Container(widgets=[self.run_button, self.stop_button, self.status]).native)
        self.jobs = JobController(self, "Quick train", busy=[self.run_button], stop_button=self.stop_button,
                                  status=self.status, on_progress=self._progressed, on_success=self._succeeded,
                                  on_stopped=self._stopped, shutdown_wait_s=STOP_GRACE_S + 10)
        self.run_button.changed.connect(self.start)
        self.stop_button.changed.connect(lambda: self.jobs.stop("Stopping after the current step…"))

    def recordings(self) -> list[QuickRecording]:
        """Every open recording with its annotations as shown and its ranges to train on and to propose."""
        found = []
        for spectrogram in spectrograms(self.viewer.layers):
            meta = spectrogram.metadata
            layers = own_layers(self.viewer, spectrogram)
            table = editor_for(*layers).annotations() if layers is not None else Annotations()
            span = annotated_range(table)
            if self.train_on.value == VISIBLE:
                current = recording_of(spectrogram) == recording_of(self.session.spectrogram)
                span = _clipped(visible_time_range(self.viewer), meta["duration_seconds"]) if current else None
            path = meta.get("path")
            audio = path if path and Path(path).is_file() else meta["samples"]
            found.append(QuickRecording(recording_of(spectrogram), audio, table, meta["samplerate"], span,
                                        rest_of(meta["duration_seconds"], span)))
        return found

    def start(self) -> None:
        recordings = self.recordings()
        if not any(r.train_range for r in recordings):
            show_error("Quick train: nothing is annotated yet; annotate some song (or approve proposals) first.")
            return
        try:
            options = self.form.read()
        except ValueError as err:
            show_error(f"Quick train: {err}")
            return
        if not self.save_dir.value:
            self.save_dir.value = str(_default_folder(recordings))
        init = self.continue_from.value
        init_model = str(init).removesuffix("_model.h5") if init else None
        job = functools.partial(quick_train_in_child, recordings, self.save_dir.value, options, init_model=init_model)
        what = "Continuing from the last network" if init_model else "Starting"
        self.jobs.start(job, status=f"{what} (loading TensorFlow)…", description="Quick train")

    def _progressed(self, step: Progress) -> None:
        if step.phase == "dataset":
            self.status.value = f"Making the dataset… {step.message}"
        elif step.phase == "propose":
            self.status.value = f"Proposing… {100 * step.done / max(step.total, 1):.0f}%"
        elif step.phase in ("train", "val"):
            loss = step.values.get("val_loss") or step.values.get("loss")
            self.status.value = f"Training: {step.message}" + (f" · loss {loss:.4g}" if loss is not None else "")

    def _succeeded(self, result) -> None:
        counts = {}
        for name, spans in result.proposals.items():
            spectrogram = spectrogram_of(self.viewer.layers, name)
            for (start, stop), table in spans:
                if spectrogram is not None:
                    add_proposals(self.viewer, spectrogram, table, start, stop)
                for song_type, n in _counts(table).items():
                    counts[song_type] = counts.get(song_type, 0) + n
        self.continue_from.value = f"{result.model_prefix}_model.h5"
        epochs = len(result.history.get("val_loss", []))
        limit = " (time limit)" if result.stopped_early else ""
        summary = ", ".join(f"{n} {t}" for t, n in counts.items()) or "nothing"
        self.status.value = (f"Trained {epochs} epoch(s) in {result.seconds['train']:.0f} s{limit}; proposed "
                             f"{summary}. Approve (G, H), correct, then Quick train again.")
        show_info(f"Quick train: proposed {summary}; network {result.model_prefix}")

    def _stopped(self, stopped: Stopped) -> None:
        if stopped.result:
            self.continue_from.value = f"{stopped.result}_model.h5"
        kept = f"; the network so far is kept: {stopped.result}" if stopped.result else ""
        self.status.value = f"Stopped; no proposals were added{kept}."


def _clipped(span: tuple[float, float], duration: float) -> tuple[float, float] | None:
    start, stop = max(span[0], 0.0), min(span[1], duration)
    return (start, stop) if stop > start else None


def _counts(table: Annotations) -> dict[str, int]:
    names = [n for n, placeholder in zip(table.names, table.is_placeholder) if not placeholder]
    return {n: names.count(n) for n in dict.fromkeys(names)}


def _default_folder(recordings: list[QuickRecording]) -> Path:
    """``quick_train.res`` beside the first recording with a file, else in the user's data folder."""
    for recording in recordings:
        if isinstance(recording.audio, str):
            return Path(recording.audio).parent / DEFAULT_FOLDER
    from platformdirs import user_data_dir

    return Path(user_data_dir("napari-deepss")) / DEFAULT_FOLDER
