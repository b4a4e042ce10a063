"""Predict dock widget: annotate an open recording with a trained network, then proofread.

Choose a network (its ``_model.h5``), a recording open as a spectrogram and
the post-processing options (the fields of
:class:`~napari_deepss.postprocess.PostprocessOptions`, named like them).
Prediction runs in a napari worker (:func:`~napari_deepss.prediction.iter_predict`)
with a progress bar; Stop ends it after the current batch. The result is a
shapes layer ``<recording>_predicted_annotations`` (events as lines,
segments as rectangles, coloured per song type) to proofread: delete, move or
relabel shapes, then save it as DeepSS annotations (File > Save Selected
Layers). Optionally an image of the class probabilities lies in a band under
the spectrogram, aligned in time: one row per song type, 0 (dark) to 1.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from magicgui.widgets import CheckBox, ComboBox, Container, FileEdit, Label, PushButton
from napari.qt.threading import create_worker
from napari.utils import progress
from napari.utils.notifications import show_error, show_info

from ...annotations import recording_stem
from ...postprocess import PostprocessOptions
from ...prediction import iter_predict
from ..annotation_layer import annotations_layer_data
from ..spectrogram_layer import SPECTROGRAM_KIND
from .make_dataset import option_widget

PROBABILITIES_KIND = "probabilities"
#: height of the probability band under the spectrogram, as a fraction of the spectrogram's frequency range
BAND_FRACTION = 0.25
#: wider probability traces are max-pooled in time to this many columns (short events stay visible)
MAX_PROBABILITY_COLUMNS = 2**16


def recording_name(layer) -> str:
    path = layer.metadata.get("path")
    return recording_stem(path) if path else layer.name


def probabilities_layer_data(probabilities: np.ndarray, samplerate: float, class_names, freq_range, *, name: str):
    """``(data, kwargs, "image")``: song-class probabilities as rows of a band just under ``freq_range``.

    World coordinates are (frequency Hz, time s) like the spectrogram's; the
    band spans ``BAND_FRACTION`` of the frequency range below its lower edge.
    """
    rows = np.asarray(probabilities[:, 1:], dtype=np.float32).T  # noise (class 0) is 1 - the rest
    step = max(1, -(-rows.shape[1] // MAX_PROBABILITY_COLUMNS))
    if step > 1:
        width = -(-rows.shape[1] // step) * step
        padded = np.pad(rows, ((0, 0), (0, width - rows.shape[1])))
        rows = padded.reshape(len(rows), -1, step).max(axis=2)
    fmin, fmax = (float(f) for f in freq_range)
    row_height = BAND_FRACTION * (fmax - fmin) / max(len(rows), 1)
    kwargs = {
        "name": name,
        "scale": (row_height, step / samplerate),
        "translate": (fmin - (len(rows) - 0.5) * row_height, (step - 1) / 2 / samplerate),
        "axis_labels": ("frequency", "time"),
        "units": ("Hz", "s"),
        "contrast_limits": (0.0, 1.0),
        "colormap": "viridis",
        "metadata": {
            "deepss_kind": PROBABILITIES_KIND,
            "class_names": list(class_names[1:]),
            "samplerate": samplerate / step,
            "freq_range": (fmin - len(rows) * row_height, fmin),
        },
    }
    return rows[::-1], kwargs, "image"  # first song class at the top of the band


class PredictWidget(Container):
    """Model, recording, post-processing options; Predict and Stop."""

    def __init__(self, napari_viewer=None):
        super().__init__(labels=True)
        self.viewer = napari_viewer
        model = FileEdit(name="model", label="Model (_model.h5)", mode="r", filter="*_model.h5",
                         tooltip="The trained network: its _model.h5 (the _params.yaml beside it is read too).")
        recording = ComboBox(name="recording", label="Recording", choices=self._recordings, nullable=True,
                             tooltip="A recording open in the viewer (its spectrogram layer).")
        show_probabilities = CheckBox(name="show_probabilities", label="Show probabilities", value=True,
                                      tooltip="Add an image of the class probabilities under the spectrogram.")
        self.run_button = PushButton(name="run_button", label="", text="Predict")
        self.stop_button = PushButton(name="stop_button", label="", text="Stop", enabled=False)
        self.status = Label(name="status", label="", value="")
        self.extend([model, recording, *map(option_widget, PostprocessOptions.fields()), show_probabilities,
                     self.run_button, self.stop_button, self.status])
        self._worker = None
        self._bar: progress | None = None
        self._source = None
        self.run_button.changed.connect(self.start)
        self.stop_button.changed.connect(self.stop)
        if napari_viewer is not None:
            napari_viewer.layers.events.inserted.connect(self.reset_choices)
            napari_viewer.layers.events.removed.connect(self.reset_choices)

    def _recordings(self, _widget=None) -> list[tuple[str, object]]:
        if self.viewer is None:
            return []
        return [(layer.name, layer) for layer in self.viewer.layers
                if layer.metadata.get("deepss_kind") == SPECTROGRAM_KIND]

    def options(self) -> PostprocessOptions:
        return PostprocessOptions(**{option.name: self[option.name].value for option in PostprocessOptions.fields()})

    def start(self) -> None:
        """Predict the chosen recording in a worker thread."""
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
        self._source = layer
        self._worker = create_worker(
            iter_predict, meta["samples"], str(model), samplerate=meta["samplerate"], options=options,
            keep_probabilities=self.show_probabilities.value,
            _ignore_errors=True,  # errors become one readable notification (_failed), not a traceback
        )
        self._worker.yielded.connect(self._progressed)
        self._worker.returned.connect(self._succeeded)
        self._worker.errored.connect(self._failed)
        self._worker.aborted.connect(self._stopped)
        self._worker.finished.connect(self._finished)
        self.run_button.enabled = False
        self.stop_button.enabled = True
        self.status.value = "Loading the network…"
        self._bar = progress(desc=f"Predict {layer.name}")
        self._worker.start()

    def stop(self) -> None:
        """End the prediction after the current batch; nothing is added."""
        if self._worker is not None:
            self._worker.quit()
            self.status.value = "Stopping…"

    def _progressed(self, step) -> None:
        if self._bar is None:
            return
        done, total = step
        self._bar.total = total
        self._bar.update(done - self._bar.n)
        self.status.value = f"Predicting… {100 * done / total:.0f}%"

    def _succeeded(self, prediction) -> None:
        layer = self._source
        name = recording_name(layer)
        freq_range = layer.metadata["freq_range"]
        if self.viewer is not None:
            if prediction.probabilities is not None:
                self.viewer.add_layer(_layer(probabilities_layer_data(
                    prediction.probabilities, prediction.samplerate, prediction.class_names, freq_range,
                    name=f"{name}_probabilities")))
            self.viewer.add_layer(_layer(annotations_layer_data(
                prediction.annotations(), freq_range, name=f"{name}_predicted_annotations")))
        counts = {**{n: len(t) for n, t in prediction.events.items()},
                  **{n: len(t) for n, t in prediction.segments.items()}}
        summary = ", ".join(f"{count} {n}" for n, count in counts.items())
        self.status.value = f"Done: {summary}. Proofread, then save the layer."
        show_info(f"Predicted {name}: {summary}")

    def _failed(self, err: Exception) -> None:
        self.status.value = f"Failed: {err}"
        show_error(f"Predict failed: {err}")

    def _stopped(self, *_) -> None:
        self.status.value = "Stopped; nothing was added."

    def _finished(self) -> None:
        if self._bar is not None:
            self._bar.close()
            self._bar = None
        self.run_button.enabled = True
        self.stop_button.enabled = False
        self._worker = None


def _layer(layer_data):
    from napari.layers import Layer

    return Layer.create(*layer_data)
