"""The viewer set-up that makes spectrograms and their annotations readable.

napari's camera zooms both axes alike, so in Hz and seconds a view of a few
seconds would show a band a few Hz tall. :func:`install_viewer_hooks`
therefore gives every layer whose data are in Hz and seconds (``deepss_kind``
set: spectrograms, annotations, ...) the same display ``affine`` that
compresses the frequency axis, so the full frequency range is about half as
tall as the first view is wide. Time stays in seconds in world coordinates;
layer data (shape vertices, ``layer.world_to_data``) stay in Hz and seconds,
so a shape at ``(f Hz, t s)`` lies exactly over that place.

The same insertion hook fits annotation layers to their recording: inserted
into a viewer that shows their recording's spectrogram, they take its
frequency range (an annotation CSV opened on its own), and annotations whose
range was only guessed take that of the viewer's first spectrogram.
"""

from __future__ import annotations

import weakref
from dataclasses import dataclass

import numpy as np

from .annotation_layer import GUESSED_FREQ_RANGE, set_freq_range
from .recording_layers import ANNOTATIONS, EVENTS, PART, SPECTROGRAM, kind_of, recording_of, spectrogram_of, spectrograms
from .spectrogram_layer import FIRST_VIEW_SECONDS, set_channel

#: key (on the viewer) that shows the next channel of a multi-channel recording
NEXT_CHANNEL_KEY = "Shift-C"
#: displayed frequency range height / first view width (world units)
FREQUENCY_ASPECT = 0.5


def install_viewer_hooks(viewer) -> None:
    """Prepare ``viewer`` for spectrograms; calling it again changes nothing.

    When a spectrogram layer is inserted into a viewer showing no other:
    frequency axis upward, dims labelled, the Hz axis of every deepss layer
    compressed for display (module docstring) and the view set to the first
    ``FIRST_VIEW_SECONDS`` seconds. This runs after napari's own reset of the
    view on the first layer. Later deepss layers get the same display scale;
    annotation layers are first fitted to their recording's frequency range.
    """
    if viewer in _HOOKED:
        return
    _HOOKED[viewer] = _ViewerState()
    viewer.layers.events.inserted.connect(lambda event: _on_inserted(viewer, event.value), position="last")
    viewer.bind_key(NEXT_CHANNEL_KEY, _show_next_channel, overwrite=True)
    for layer in list(viewer.layers):
        _on_inserted(viewer, layer)


def hook_current_viewer() -> None:
    """Install the hooks in the viewer a reader opens files into (none: a reader called from a script).

    Readers only return layer data and no widget may be docked, yet a file
    opened alone must still get the readable first view; so each reader
    calls this once, the only place where napari-deepss asks napari for its
    current viewer.
    """
    import napari

    viewer = napari.current_viewer()
    if viewer is not None:
        install_viewer_hooks(viewer)


def display_frequency_scale(viewer) -> float | None:
    """World units per Hz on the frequency axis of ``viewer`` (None before a spectrogram)."""
    state = _HOOKED.get(viewer)
    return None if state is None else state.frequency_scale


@dataclass
class _ViewerState:
    frequency_scale: float | None = None


_HOOKED: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def _on_inserted(viewer, layer) -> None:
    kind = kind_of(layer)
    if kind is None:
        return
    if kind == ANNOTATIONS:
        _fit_to_recording(viewer, layer)
    state = _HOOKED[viewer]
    if kind == SPECTROGRAM and (state.frequency_scale is None or all(o is layer for o in spectrograms(viewer.layers))):
        # the viewer's first (or now only) recording sets the display scale and the first view
        frequency_span = layer.level_shapes[0][0] * layer.scale[0]
        state.frequency_scale = FIRST_VIEW_SECONDS * FREQUENCY_ASPECT / frequency_span
        for other in viewer.layers:
            if kind_of(other) is not None:
                _apply_frequency_scale(other, state.frequency_scale)
        _show_first_seconds(viewer, layer)
    elif state.frequency_scale is not None:
        _apply_frequency_scale(layer, state.frequency_scale)


def _fit_to_recording(viewer, layer) -> None:
    """Give an annotation layer the frequency range of its recording's (or, if guessed, the first) spectrogram."""
    source = spectrogram_of(viewer.layers, recording_of(layer))
    if source is None and layer.metadata.get(GUESSED_FREQ_RANGE):
        source = next(iter(spectrograms(viewer.layers)), None)
    if source is not None and tuple(source.metadata["freq_range"]) != tuple(layer.metadata["freq_range"]):
        set_freq_range(layer, source.metadata["freq_range"])


def _apply_frequency_scale(layer, frequency_scale: float) -> None:
    frequency_axis = layer.ndim - 2
    if layer.metadata.get(PART) == EVENTS:
        # vispy stretches markers by an anisotropic transform: points are only moved, so their ticks stay upright bars
        (centre, _), *_ = layer.data if len(layer.data) else [(np.mean(layer.metadata["freq_range"]), 0.0)]
        translate = np.zeros(layer.ndim)
        translate[frequency_axis] = centre * frequency_scale - centre
        layer.translate = translate
        return
    affine = np.eye(layer.ndim + 1)
    affine[frequency_axis, frequency_axis] = frequency_scale
    layer.affine = affine


def _show_first_seconds(viewer, layer) -> None:
    viewer.scene.camera.orientation = ("towards", "up", "right")
    viewer.dims.axis_labels = (*viewer.dims.axis_labels[:-2], "frequency", "time")
    (f_low, t_low), (f_high, _) = layer.extent.world
    seconds = min(FIRST_VIEW_SECONDS, layer.metadata["duration_seconds"])
    height, width = viewer.canvas.size
    viewer.scene.camera.zoom = 0.95 * min(width / seconds, height / (f_high - f_low))
    viewer.scene.camera.center = ((f_low + f_high) / 2, t_low + seconds / 2)


def _show_next_channel(viewer) -> None:
    active = viewer.layers.selection.active
    candidates = [active] if active is not None and kind_of(active) == SPECTROGRAM else []
    candidates += spectrograms(reversed(viewer.layers))
    if candidates:
        layer = candidates[0]
        set_channel(layer, (layer.metadata["channel"] + 1) % layer.metadata["n_channels"])
