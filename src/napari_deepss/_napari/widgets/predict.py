"""Predict dock widget: annotate an open recording with a trained network, then proofread.

Choose a network (its ``_model.h5``), a recording open as a spectrogram and
the post-processing options (the fields of
:class:`~napari_deepss.postprocess.PostprocessOptions`, named like them).
Prediction runs in a child process (:mod:`napari_deepss.child_jobs.predict`:
TensorFlow cannot share napari's process) watched by a napari worker, with a
progress bar; Stop ends it after the current batch and adds nothing. The result is a pair
of annotation layers of the recording (the predicted set, see
:mod:`..recording_layers`) named ``<recording>_predicted_annotations``
(segments as rectangles) and ``<recording>_predicted_annotations events``
(events as ticks), coloured per song type, to proofread: delete, move or relabel, then
save them as DeepSS annotations. Optionally an image of the class probabilities lies in a band under
the spectrogram, aligned in time: one row per song type, 0 (dark) to 1.
"""

from __future__ import annotations

import functools
from pathlib import Path

import numpy as np
from magicgui.widgets import CheckBox, ComboBox, Container, FileEdit
from napari.utils.notifications import show_error, show_info

from ...child_jobs.predict import predict_in_child
from ...jobs import Progress, Stopped
from ...postprocess import PostprocessOptions
from ..annotation_layer import annotations_layers_data
from ..recording_layers import KIND, PREDICTED_SET, PROBABILITIES, belonging_to, recording_of, spectrograms
from ._job import JobController, job_buttons
from .option_form import OptionForm

#: height of the probability band under the spectrogram, as a fraction of the spectrogram's frequency range
BAND_FRACTION = 0.25


def probabilities_layer_data(rows: np.ndarray, columns_per_second: float, class_names, freq_range, *, name: str):
    """``(data, kwargs, "image")``: song-class probability ``rows`` as a band just under ``freq_range``.

    ``rows`` [song classes, columns] (see :func:`napari_deepss.child_jobs.predict.pooled_rows`)
    start at time 0. World coordinates are (frequency Hz, time s) like the
    spectrogram's; the band spans ``BAND_FRACTION`` of the frequency range
    below its lower edge, the first song class at the top.
    """
    fmin, fmax = (float(f) for f in freq_range)
    row_height = BAND_FRACTION * (fmax - fmin) / max(len(rows), 1)
    column = 1 / columns_per_second
    kwargs = {
        "name": name,
        "scale": (row_height, column),
        "translate": (fmin - (len(rows) - 0.5) * row_height, column / 2),
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
    """Model, recording, post-processing options; Predict and Stop."""

    def __init__(self, napari_viewer=None):
        super().__init__(labels=True)
        self.viewer = napari_viewer
        model = FileEdit(name="model", label="Model (_model.h5)", mode="r", filter="*_model.h5",
                         tooltip="The trained network, napari-deepss's or DeepSS 0.32's: its _model.h5 (the "
                         "_params.yaml beside it is read too).")
        recording = ComboBox(name="recording", label="Recording", choices=self._recordings,
                             tooltip="A recording open in the viewer (its spectrogram layer).")
        show_probabilities = CheckBox(name="show_probabilities", label="Show probabilities", value=True,
                                      tooltip="Add an image of the class probabilities under the spectrogram.")
        self.run_button, self.stop_button, self.status = job_buttons("Predict", "Stop")
        self.option_form = OptionForm(PostprocessOptions)
        self.extend([model, recording, *self.option_form.fields.values(), show_probabilities,
                     self.run_button, self.stop_button, self.status])
        self._source = None
        self.jobs = JobController(self, "Predict", busy=[self.run_button], stop_button=self.stop_button,
                                  status=self.status, on_progress=self._progressed,
                                  on_success=self._succeeded, on_stopped=self._stopped)
        self.run_button.changed.connect(self.start)
        self.stop_button.changed.connect(self.stop)
        if napari_viewer is not None:
            napari_viewer.layers.events.inserted.connect(self.reset_choices)
            napari_viewer.layers.events.removed.connect(self.reset_choices)

    def _recordings(self, _widget=None) -> list[tuple[str, object]]:
        if self.viewer is None:
            return []
        return [(layer.name, layer) for layer in spectrograms(self.viewer.layers)]

    def options(self) -> PostprocessOptions:
        return self.option_form.read()

    def start(self) -> None:
        """Predict the chosen recording in a child process watched by a worker thread."""
        layer = self.recording.value
        if layer is None:
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
        meta = layer.metadata
        path = meta.get("path")
        recording = {"path": path} if path and Path(path).is_file() else {
            "samples": meta["samples"], "samplerate": meta["samplerate"]}
        self._source = layer
        job = functools.partial(predict_in_child, model, options, self.show_probabilities.value, **recording)
        self.jobs.start(job, status="Loading the network…", description=f"Predict {layer.name}")

    def stop(self) -> None:
        """End the prediction after the current batch; nothing is added."""
        self.jobs.stop("Stopping…")

    def _progressed(self, step: Progress) -> None:
        self.status.value = f"Predicting… {100 * step.done / step.total:.0f}%"

    def _succeeded(self, result) -> None:
        layer = self._source
        name = recording_of(layer)
        freq_range = layer.metadata["freq_range"]
        if self.viewer is not None:
            band = [] if result.band is None else [probabilities_layer_data(
                result.band, result.band_rate, result.class_names, freq_range, name=f"{name}_probabilities")]
            predicted = annotations_layers_data(result.annotations, freq_range, name=f"{name}_predicted_annotations",
                                                annotation_set=PREDICTED_SET)
            for layer_data in belonging_to(name, [*band, *predicted]):
                self.viewer.add_layer(_layer(layer_data))
        found = {**result.annotations.events(), **result.annotations.segments()}
        summary = ", ".join(f"{len(times)} {n}" for n, times in found.items())
        self.status.value = f"Done: {summary}. Proofread, then save the layers."
        show_info(f"Predicted {name}: {summary}")

    def _stopped(self, stopped: Stopped) -> None:
        self.status.value = "Stopped; nothing was added."


def _layer(layer_data):
    from napari.layers import Layer

    return Layer.create(*layer_data)
