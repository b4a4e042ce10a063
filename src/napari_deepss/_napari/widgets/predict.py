"""Predict dock widget: a trained network proposes song in an open recording, to proofread in Annotate.

Choose a network (its ``_model.h5``), a recording open as a spectrogram, the
range to predict (the whole recording, the visible range, or from the view to
the end) and the post-processing options (the fields of
:class:`~napari_deepss.postprocess.PostprocessOptions`, named like them),
which start from the values the network's params hold
(:meth:`~napari_deepss.postprocess.PostprocessOptions.from_params`).
Prediction runs in a child process (:mod:`napari_deepss.child_jobs.predict`:
TensorFlow cannot share napari's process) watched by a napari worker, with a
progress bar; Stop ends it after the current batch and adds nothing. What the
network finds becomes proposals (``<type>_proposals``) in the recording's own
annotation layers (:mod:`..recording_annotations`), replacing the proposals
that started in the range; approved and human annotations stay. Approve,
correct and save them in Annotate. Optionally an image of the class
probabilities lies in a band under the spectrogram, aligned in time: one row
per song type, 0 (dark) to 1. Predicting a folder instead writes each
recording's annotations beside it, never over a person's (:mod:`.predict_folder`).
"""

from __future__ import annotations

import functools
from pathlib import Path

import numpy as np
from magicgui.widgets import CheckBox, ComboBox, Container, FileEdit, Label
from napari.utils.notifications import show_error, show_info

from ...child_jobs.predict import predict_in_child
from ...errors import FileFormatError
from ...jobs import Progress, Stopped
from ...network_files import network_paths
from ...network_params import read_params
from ...postprocess import PostprocessOptions
from ..recording_annotations import add_proposals
from ..recording_layers import KIND, PROBABILITIES, belonging_to, kind_of, recording_of, spectrograms
from ..time_ranges import RANGES, WHOLE, chosen_range
from ._job import JobController, job_buttons
from .option_form import OptionForm
from .predict_folder import FOLDER, OPEN, FolderPanel

#: height of the probability band under the spectrogram, as a fraction of the spectrogram's frequency range
BAND_FRACTION = 0.25


def probabilities_layer_data(rows: np.ndarray, columns_per_second: float, class_names, freq_range, *, name: str,
                             start: float = 0.0):
    """``(data, kwargs, "image")``: song-class probability ``rows`` as a band just under ``freq_range``.

    ``rows`` [song classes, columns] (see :func:`napari_deepss.child_jobs.predict.pooled_rows`)
    start at ``start`` seconds. World coordinates are (frequency Hz, time s) like the
    spectrogram's; the band spans ``BAND_FRACTION`` of the frequency range
    below its lower edge, the first song class at the top.
    """
    fmin, fmax = (float(f) for f in freq_range)
    row_height = BAND_FRACTION * (fmax - fmin) / max(len(rows), 1)
    column = 1 / columns_per_second
    kwargs = {
        "name": name,
        "scale": (row_height, column),
        "translate": (fmin - (len(rows) - 0.5) * row_height, start + column / 2),
        "axis_labels": ("frequency", "time"),
        "units": ("Hz", "s"),
        "contrast_limits": (0.0, 1.0),
        "colormap": "viridis",
        "metadata": {
            KIND: PROBABILITIES,
            "class_names": list(class_names[1:]),
            "freq_range": (fmin - len(rows) * row_height, fmin),
        },
    }
    return np.asarray(rows)[::-1], kwargs, "image"  # frequency runs up: the last row is drawn on top


class PredictWidget(Container):
    """Model, recording, range, post-processing options; Predict and Stop."""

    def __init__(self, napari_viewer=None):
        super().__init__(labels=True)
        self.viewer = napari_viewer
        source = ComboBox(name="source", label="Predict on", choices=[OPEN, FOLDER], value=OPEN,
                          tooltip="A recording open in the viewer, or every recording in a folder (written beside "
                          "them as annotation files).")
        self.folder_panel = FolderPanel(start=self.start)
        model = FileEdit(name="model", label="Model (_model.h5)", mode="r", filter="*_model.h5",
                         tooltip="The trained network, napari-deepss's or DeepSS 0.32's: its _model.h5 (the "
                         "_params.yaml beside it is read too).")
        recording = ComboBox(name="recording", label="Recording", choices=self._recordings,
                             tooltip="A recording open in the viewer (its spectrogram layer).")
        time_range = ComboBox(name="time_range", label="Predict", choices=RANGES, value=WHOLE,
                              tooltip="Which part of the recording: proposals that start there are replaced.")
        show_probabilities = CheckBox(name="show_probabilities", label="Show probabilities", value=True,
                                      tooltip="Add an image of the class probabilities under the spectrogram.")
        self.defaults = Label(name="defaults", label="", value="Post-processing: DeepSS's defaults")
        self.run_button, self.stop_button, self.status = job_buttons("Predict", "Stop")
        self.option_form = OptionForm(PostprocessOptions)
        self.extend([model, source, recording, time_range, self.folder_panel, self.defaults,
                     *self.option_form.fields.values(),
                     show_probabilities, self.run_button, self.stop_button, self.status])
        self._source = None
        self._range = (0.0, 0.0)
        self.jobs = JobController(self, "Predict", busy=[self.run_button], stop_button=self.stop_button,
                                  status=self.status, on_progress=self._progressed,
                                  on_success=self._succeeded, on_stopped=self._stopped)
        self.run_button.changed.connect(self.start)
        self.stop_button.changed.connect(self.stop)
        model.changed.connect(self._network_chosen)
        source.changed.connect(self._source_chosen)
        self._source_chosen()
        if napari_viewer is not None:
            napari_viewer.layers.events.inserted.connect(self.reset_choices)
            napari_viewer.layers.events.removed.connect(self.reset_choices)

    def _recordings(self, _widget=None) -> list[tuple[str, object]]:
        if self.viewer is None:
            return []
        return [(layer.name, layer) for layer in spectrograms(self.viewer.layers)]

    def options(self) -> PostprocessOptions:
        return self.option_form.read()

    def _network_chosen(self) -> None:
        """Show the post-processing options the chosen network's params hold (else DeepSS's defaults)."""
        if not self.model.line_edit.value.strip() or not Path(self.model.value).is_file():
            return
        try:
            params = read_params(network_paths(self.model.value)[1])
            options = PostprocessOptions.from_params(params)
        except (FileFormatError, ValueError) as err:
            self.defaults.value = f"⚠ {err}"
            return
        self.option_form.show(options)
        chosen = [f"{f.name} {getattr(options, f.name):g}" for f in options.fields()
                  if getattr(options, f.name) != f.default]
        self.defaults.value = (f"Post-processing from the network: {', '.join(chosen)}" if chosen else
                               "Post-processing: DeepSS's defaults (the network holds no others)")

    def _source_chosen(self) -> None:
        folder = self.source.value == FOLDER
        self.folder_panel.visible = folder
        for widget in (self.recording, self.time_range, self.show_probabilities):
            widget.visible = not folder

    def start(self) -> None:
        """Predict (the chosen range of the chosen recording, or a folder) in a child process watched by a worker."""
        if self.jobs.running:
            return
        folder = self.source.value == FOLDER
        layer = self.recording.value
        if layer is None and not folder:
            show_error("Predict: open a recording first (its spectrogram is what gets annotated).")
            return
        model = self.model.value
        if not self.model.line_edit.value.strip() or not Path(model).is_file():
            show_error("Predict: choose the _model.h5 file of a trained network.")
            return
        try:
            options = self.options()
        except ValueError as err:
            show_error(f"Predict: {err}")
            return
        self._source = None
        if folder:
            self._start_folder(model, options)
            return
        meta = layer.metadata
        path = meta.get("path")
        recording = {"path": path} if path and Path(path).is_file() else {
            "samples": meta["samples"], "samplerate": meta["samplerate"]}
        self._source = layer
        self._range = chosen_range(self.viewer, layer, self.time_range.value)
        job = functools.partial(predict_in_child, model, options, self.show_probabilities.value,
                                time_range=self._range, **recording)
        self.jobs.start(job, status="Loading the network…", description=f"Predict {layer.name}")

    def _start_folder(self, model, options: PostprocessOptions) -> None:
        try:
            job = self.folder_panel.job(model, options)
        except ValueError as err:
            show_error(f"Predict: {err}")
            return
        self.jobs.start(job, status="Loading the network…", description="Predict a folder")

    def stop(self) -> None:
        """End the prediction after the current batch; nothing is added (a folder keeps the recordings done)."""
        self.jobs.stop("Stopping…")

    def _progressed(self, step: Progress) -> None:
        self.status.value = (self.folder_panel.progress_text(step) if self._source is None else
                             f"Predicting… {100 * step.done / step.total:.0f}%")

    def _succeeded(self, result) -> None:
        if self._source is None:
            self.status.value = self.folder_panel.succeeded(result)
            return
        layer = self._source
        name = recording_of(layer)
        start, stop = self._range
        if self.viewer is not None and layer in self.viewer.layers:
            add_proposals(self.viewer, layer, result.annotations, start, stop)
            if result.band is not None:
                self._show_band(layer, result)
        found = {**result.annotations.events(), **result.annotations.segments()}
        summary = ", ".join(f"{len(times)} {n}" for n, times in found.items())
        self.status.value = (f"Done: proposed {summary} in {start:.1f}–{stop:.1f} s. Approve or correct them in "
                             "Annotate (G, H), then save.")
        show_info(f"Predicted {name}: {summary}")

    def _show_band(self, layer, result) -> None:
        """The probability band of the prediction, in place of the recording's earlier one."""
        name = recording_of(layer)
        for old in [o for o in self.viewer.layers if kind_of(o) == PROBABILITIES and recording_of(o) == name]:
            self.viewer.layers.remove(old)
        band = probabilities_layer_data(result.band, result.band_rate, result.class_names,
                                        layer.metadata["freq_range"], name=f"{name}_probabilities",
                                        start=result.band_start)
        for layer_data in belonging_to(name, [band]):
            self.viewer.add_layer(_layer(layer_data))

    def _stopped(self, stopped: Stopped) -> None:
        self.status.value = (self.folder_panel.stopped(stopped) if self._source is None else
                             "Stopped; nothing was added.")


def _layer(layer_data):
    from napari.layers import Layer

    return Layer.create(*layer_data)
