"""The viewer set-up that makes spectrograms, waveforms and their annotations readable.

napari's camera zooms both axes alike, so in Hz and seconds a view of a few
seconds would show a band a few Hz tall. :func:`install_viewer_hooks`
therefore gives every layer whose data are in Hz and seconds (``deepss_kind``
set: spectrograms, waveforms, annotations, ...) the same display ``affine``
that compresses the frequency axis. Time stays in seconds in world
coordinates; layer data (shape vertices, ``layer.world_to_data``) stay in Hz
and seconds, so a shape at ``(f Hz, t s)`` lies exactly over that place. The
waveform lies below its spectrogram (:mod:`.waveform_layer`).

The first view fills the canvas: :data:`FIRST_VIEW_SECONDS` across, the
spectrogram and waveform of the first recording from bottom to top (the
compression is chosen from the canvas's shape; :mod:`.display_scale` keeps
it, and zooming time changes it so the picture keeps its height).

The same insertion hook fits annotation layers to their recording: inserted
into a viewer that shows their recording's spectrogram, they take its
frequency range (an annotation CSV opened on its own), and annotations whose
range was only guessed take that of the viewer's first spectrogram. It also
installs the readout (:mod:`.readout`) and the labels that make room
(:mod:`.annotation_labels`).
"""

from __future__ import annotations

import weakref
from dataclasses import dataclass

from . import annotation_labels, readout
from .annotation_layer import GUESSED_FREQ_RANGE, set_freq_range
from .display_scale import apply_frequency_scale, display_frequency_scale, set_frequency_scale
from .recording_layers import (
    ANNOTATIONS,
    SPECTROGRAM,
    WAVEFORM,
    kind_of,
    recording_of,
    spectrogram_of,
    spectrograms,
    waveform_of,
)
from .spectrogram_layer import FIRST_VIEW_SECONDS, set_channel
from .waveform_layer import update_waveform

#: key (on the viewer) that shows the next channel of a multi-channel recording
NEXT_CHANNEL_KEY = "Shift-C"
#: part of the canvas the first view fills (a thin margin stays around the recording)
FILL = 0.97


def install_viewer_hooks(viewer) -> None:
    """Prepare ``viewer`` for spectrograms; calling it again changes nothing.

    When a spectrogram layer is inserted into a viewer showing no other:
    frequency axis upward, dims labelled, the Hz axis of every deepss layer
    compressed for display (module docstring) and the first view (its
    waveform, inserted next, is fitted in too while the view is untouched).
    This runs after napari's own reset of the view on the first layer. Later
    deepss layers get the same display scale; annotation layers are first
    fitted to their recording's frequency range and get labels that make room.
    """
    if viewer in _HOOKED:
        return
    _HOOKED[viewer] = _ViewerState()
    viewer.layers.events.inserted.connect(lambda event: _on_inserted(viewer, event.value), position="last")
    viewer.bind_key(NEXT_CHANNEL_KEY, _show_next_channel, overwrite=True)
    readout.install(viewer)
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


def first_recording(viewer) -> str | None:
    """The recording that set the viewer's first view and display compression."""
    state = _HOOKED.get(viewer)
    return None if state is None else state.first_recording


def frequency_extent(layers, spectrogram) -> tuple[float, float]:
    """Lower and upper edge (Hz, before the display compression) of a spectrogram and its recording's waveform."""
    waveform = waveform_of(layers, recording_of(spectrogram)) if recording_of(spectrogram) is not None else None
    edges = [(layer.translate[-2] - layer.scale[-2] / 2, layer.translate[-2] + (layer.level_shapes[0][-2] - 0.5) * layer.scale[-2])
             for layer in (spectrogram, waveform) if layer is not None]
    return min(low for low, _ in edges), max(high for _, high in edges)


@dataclass
class _ViewerState:
    first_recording: str | None = None
    #: (centre, zoom) of the camera after the first view, to tell whether the user has moved it since
    first_camera: tuple | None = None
    #: the first recording while its waveform may still be fitted into the first view (until the next insertion)
    awaiting_waveform: str | None = None


_HOOKED: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def _on_inserted(viewer, layer) -> None:
    kind = kind_of(layer)
    if kind is None:
        return
    if kind == ANNOTATIONS:
        _fit_to_recording(viewer, layer)
        annotation_labels.keep_readable(viewer, layer)
    state = _HOOKED[viewer]
    scale = display_frequency_scale(viewer)
    awaiting, state.awaiting_waveform = state.awaiting_waveform, None
    if kind == SPECTROGRAM and (scale is None or all(o is layer for o in spectrograms(viewer.layers))):
        # the viewer's first (or now only) recording sets the display scale and the first view
        state.first_recording = state.awaiting_waveform = recording_of(layer)
        _show_first_view(viewer, layer)
    elif kind == WAVEFORM and recording_of(layer) == awaiting and state.first_camera == _camera(viewer):
        _show_first_view(viewer, spectrogram_of(viewer.layers, awaiting))
    elif scale is not None:
        apply_frequency_scale(layer, scale)


def _fit_to_recording(viewer, layer) -> None:
    """Give an annotation layer the frequency range of its recording's (or, if guessed, the first) spectrogram."""
    source = spectrogram_of(viewer.layers, recording_of(layer))
    if source is None and layer.metadata.get(GUESSED_FREQ_RANGE):
        source = next(iter(spectrograms(viewer.layers)), None)
    if source is not None and tuple(source.metadata["freq_range"]) != tuple(layer.metadata["freq_range"]):
        set_freq_range(layer, source.metadata["freq_range"])


def _show_first_view(viewer, spectrogram) -> None:
    """Frequency upward; the first seconds across the canvas and the recording's images from bottom to top."""
    state = _HOOKED[viewer]
    viewer.scene.camera.orientation = ("towards", "up", "right")
    viewer.dims.axis_labels = (*viewer.dims.axis_labels[:-2], "frequency", "time")
    low, high = frequency_extent(viewer.layers, spectrogram)
    seconds = min(FIRST_VIEW_SECONDS, spectrogram.metadata["duration_seconds"])
    height, width = viewer.canvas.size
    zoom = FILL * width / seconds
    frequency_scale = FILL * height / zoom / (high - low)
    set_frequency_scale(viewer, frequency_scale, keep_view=False)
    t_low = spectrogram.extent.world[0][-1]
    viewer.scene.camera.zoom = zoom
    viewer.scene.camera.center = ((low + high) / 2 * frequency_scale, t_low + seconds / 2)
    state.first_camera = _camera(viewer)


def _camera(viewer) -> tuple:
    return tuple(viewer.scene.camera.center), viewer.scene.camera.zoom


def _show_next_channel(viewer) -> None:
    active = viewer.layers.selection.active
    candidates = [active] if active is not None and kind_of(active) == SPECTROGRAM else []
    candidates += spectrograms(reversed(viewer.layers))
    if candidates:
        layer = candidates[0]
        set_channel(layer, (layer.metadata["channel"] + 1) % layer.metadata["n_channels"])
        waveform = waveform_of(viewer.layers, recording_of(layer))
        if waveform is not None:
            update_waveform(waveform, layer)
