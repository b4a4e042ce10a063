"""Annotate's *Detect* panel: proposals of one song type from the signal's envelope, before any network exists.

The options are those of :class:`~napari_deepss.detector.DetectorOptions`.
With *Preview* ticked, what the detector would find in the visible range is
drawn (translucent, in a preview pair of layers of the recording) whenever an
option, the song type or the view changes. *Detect* runs the detector over
the chosen range (a job in this process: no TensorFlow) and makes what it
finds the song type's proposals there, in the recording's own annotations.
"""

from __future__ import annotations

import functools

from magicgui.widgets import CheckBox, ComboBox, Container
from napari.layers import Layer
from napari.utils.notifications import show_error
from qtpy.QtCore import QTimer
from qtpy.QtWidgets import QVBoxLayout, QWidget

from ...detector import DetectorOptions, detect, noise_level
from ...jobs import Progress, Stopped
from ...proposals import as_proposals, is_proposal
from ..annotation_layer import annotations_layers_data
from ..annotation_undo import LayerState
from ..navigation import visible_time_range
from ..recording_annotations import add_proposals
from ..recording_layers import PREVIEW_SET, annotation_layers_of, annotation_pairs_of, belonging_to, recording_of
from ..time_ranges import RANGES, WHOLE, chosen_range
from ._job import JobController, job_buttons
from .option_form import OptionForm

PREVIEW_DELAY_MS = 250  # the preview follows changes once they pause this long


class DetectorPanel(QWidget):
    """Song type, range, detector options, preview; Detect and Stop."""

    def __init__(self, session, parent=None):
        super().__init__(parent)
        self.session = session
        self.viewer = session.viewer
        self.form = OptionForm(DetectorOptions)
        self.song_type = ComboBox(name="song_type", label="Song type", choices=self._song_types,
                                  tooltip="The proposals are of this song type (an event or a segment type).")
        self.time_range = ComboBox(name="time_range", label="Detect in", choices=RANGES, value=WHOLE)
        self.preview = CheckBox(name="preview", label="Preview", value=False,
                                tooltip="Show what the detector finds in the visible range as you change it.")
        self.run_button, self.stop_button, self.status = job_buttons("Detect", "Stop")
        container = Container(widgets=[self.song_type, self.time_range, *self.form.fields.values(), self.preview,
                                       self.run_button, self.stop_button, self.status], labels=True)
        QVBoxLayout(self).addWidget(container.native)
        self.jobs = JobController(self, "Detect", busy=[self.run_button], stop_button=self.stop_button,
                                  status=self.status, on_success=self._succeeded, on_stopped=self._stopped,
                                  on_progress=self._progressed)
        self._noise: dict[tuple, float] = {}
        self._job_range = None
        self._timer = QTimer(self, singleShot=True, interval=PREVIEW_DELAY_MS)
        self._timer.timeout.connect(self.update_preview)
        self.run_button.changed.connect(self.start)
        self.stop_button.changed.connect(lambda: self.jobs.stop())
        for widget in (self.song_type, self.preview, *self.form.fields.values()):
            widget.changed.connect(self._schedule_preview)
        self.viewer.scene.camera.events.center.connect(self._schedule_preview)
        self.viewer.scene.camera.events.zoom.connect(self._schedule_preview)

    def _schedule_preview(self, *_) -> None:
        if self.preview.value or _preview_pairs(self.viewer):  # on, or just turned off: remove the preview
            self._timer.start()

    def _song_types(self, _widget=None) -> list[str]:
        editor = self.session.editor
        return [] if editor is None else [n for n in editor.song_types if not is_proposal(n)]

    def refresh(self) -> None:
        """Follow the session: its song types, and its active type when one is chosen."""
        self.song_type.reset_choices()
        if self.session.active_type is not None:
            self.song_type.value = self.session.active_type

    def _request(self):
        """``(spectrogram, samples, rate, song type, kind, options)`` to detect, or None after a message."""
        spectrogram, editor, name = self.session.spectrogram, self.session.editor, self.song_type.value
        if spectrogram is None or editor is None or not name:
            self.status.value = "Open a recording and add a song type first."
            return None
        try:
            options = self.form.read()
            options.check(spectrogram.metadata["samplerate"])
        except ValueError as err:
            self.status.value = f"⚠ {err}"
            return None
        meta = spectrogram.metadata
        return spectrogram, meta["samples"], meta["samplerate"], name, editor.song_types[name], options

    def _noise_of(self, spectrogram, samples, rate, options: DetectorOptions) -> float:
        """The recording's noise level for these envelope options (computed once)."""
        key = (id(samples), options.smoothing, options.low_hz, options.high_hz)
        if key not in self._noise:
            self._noise[key] = noise_level(samples, rate, options)
        return self._noise[key]

    def start(self) -> None:
        request = self._request()
        if request is None:
            show_error(f"Detect: {self.status.value}")
            return
        spectrogram, samples, rate, name, kind, options = request
        self._job_range = spectrogram, chosen_range(self.viewer, spectrogram, self.time_range.value)
        job = functools.partial(detect, samples, rate, name, kind, options, time_range=self._job_range[1],
                                noise=self._noise_of(spectrogram, samples, rate, options))
        self.jobs.start(job, status="Detecting…", description=f"Detect {name} in {spectrogram.name}")

    def _progressed(self, step: Progress) -> None:
        self.status.value = f"Detecting… {100 * step.done / max(step.total, 1):.0f}%"

    def _succeeded(self, found) -> None:
        spectrogram, (start, stop) = self._job_range
        if spectrogram in self.viewer.layers:
            add_proposals(self.viewer, spectrogram, found, start, stop)
        n = int((~found.is_placeholder).sum())
        self.status.value = f"Proposed {n} {self.song_type.value} in {start:.1f}–{stop:.1f} s."

    def _stopped(self, stopped: Stopped) -> None:
        self.status.value = "Stopped; nothing was added."

    def update_preview(self) -> None:
        """Draw what the detector finds in the visible range (or remove the preview when it is off)."""
        spectrogram = self.session.spectrogram
        request = self._request() if self.preview.value else None
        if request is None:
            self._remove_preview()
            return
        spectrogram, samples, rate, name, kind, options = request
        start, stop = visible_time_range(self.viewer)
        found = detect(samples, rate, name, kind, options, time_range=(start, stop),
                       noise=self._noise_of(spectrogram, samples, rate, options))
        _show_preview(self.viewer, spectrogram, as_proposals(found))
        self.status.value = f"Preview: {int((~found.is_placeholder).sum())} {name} in view."

    def _remove_preview(self) -> None:
        for pair in _preview_pairs(self.viewer):
            for layer in pair.values():
                self.viewer.layers.remove(layer)


def _preview_pairs(viewer) -> list[dict]:
    recordings = {recording_of(layer) for layer in viewer.layers} - {None}
    return [pair for r in recordings for pair in annotation_pairs_of(viewer.layers, r, PREVIEW_SET)]


def _show_preview(viewer, spectrogram, table) -> None:
    """Show ``table`` in the recording's preview pair of layers (added when missing, else refilled in place)."""
    recording = recording_of(spectrogram)
    parts = annotations_layers_data(table, spectrogram.metadata["freq_range"], name=f"{recording} detector preview",
                                    annotation_set=PREVIEW_SET)
    layers = annotation_layers_of(viewer.layers, recording, PREVIEW_SET)
    if layers is None:
        for layer_data in belonging_to(recording, parts):
            viewer.add_layer(Layer.create(*layer_data))
        viewer.layers.selection.active = spectrogram
        return
    for layer, (data, kwargs, _) in zip(layers, parts):
        layer.metadata = {**layer.metadata, "song_types": kwargs["metadata"]["song_types"]}
        LayerState(layer, list(data) if kwargs["metadata"]["annotation_part"] == "segments" else data,
                   kwargs["features"]).restore()
