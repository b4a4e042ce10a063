"""Show every recording in a viewer with new display settings, in place.

The same layers are kept (Annotate's editors, the user's layer order and
visibility stay), recomputed lazily: a spectrogram gets its new pyramid,
placement, contrast and colours (:func:`.spectrogram_layer.apply_settings`),
its waveform is redrawn, added or removed, and its annotation layers follow
a new frequency range. The display compression is chosen so that the first
recording's pictures keep their height and place on screen, and the camera
keeps its time range: the view does not jump.
"""

from __future__ import annotations

from napari.layers import Layer

from ..display_settings import DisplaySettings
from .annotation_layer import set_freq_range
from .display_scale import display_frequency_scale, set_frequency_scale
from .recording_layers import ANNOTATIONS, belonging_to, kind_of, recording_of, spectrograms, waveform_of
from .spectrogram_layer import apply_settings
from .viewer_hooks import first_recording, frequency_extent
from .waveform_layer import update_waveform, waveform_layer_data


def apply_display_settings(viewer, settings: DisplaySettings) -> list[str]:
    """Show every recording of ``viewer`` with ``settings``; returns a note per recording they do not fit.

    A recording the settings make no image of (e.g. a frequency range
    narrower than two rows) keeps its picture and gets a note instead.
    """
    settings.check_values()
    layers = spectrograms(viewer.layers)
    reference = next((s for s in layers if recording_of(s) == first_recording(viewer)), layers[0] if layers else None)
    before = None if reference is None else frequency_extent(viewer.layers, reference)
    notes = []
    for spectrogram in layers:
        try:
            fitted = apply_settings(spectrogram, settings)
        except ValueError as err:
            notes.append(f"{spectrogram.name}: {err}")
            continue
        if fitted != settings:
            notes.append(f"{spectrogram.name}: frequencies above half its sample rate left out")
        _show_waveform(viewer, spectrogram, fitted.waveform)
        for layer in viewer.layers:
            if kind_of(layer) == ANNOTATIONS and recording_of(layer) == recording_of(spectrogram):
                set_freq_range(layer, spectrogram.metadata["freq_range"])
    if before is not None and display_frequency_scale(viewer) is not None:
        _keep_on_screen(viewer, before, frequency_extent(viewer.layers, reference))
    return notes


def _show_waveform(viewer, spectrogram, shown: bool) -> None:
    waveform = waveform_of(viewer.layers, recording_of(spectrogram))
    if waveform is not None and shown:
        update_waveform(waveform, spectrogram)
    elif waveform is not None:
        viewer.layers.remove(waveform)
    elif shown:
        [layer_data] = belonging_to(recording_of(spectrogram), [waveform_layer_data(spectrogram.name, spectrogram.metadata)])
        selected = viewer.layers.selection.active
        viewer.layers.insert(viewer.layers.index(spectrogram) + 1, Layer.create(*layer_data))
        viewer.layers.selection.active = selected


def _keep_on_screen(viewer, before: tuple[float, float], after: tuple[float, float]) -> None:
    """Scale the frequency axis so the reference pictures span ``after`` (Hz) where they spanned ``before``."""
    scale = display_frequency_scale(viewer)
    frequency_scale = scale * (before[1] - before[0]) / (after[1] - after[0])
    set_frequency_scale(viewer, frequency_scale, keep_view=False)
    center = list(viewer.scene.camera.center)
    center[-2] += after[0] * frequency_scale - before[0] * scale
    viewer.scene.camera.center = tuple(center)
