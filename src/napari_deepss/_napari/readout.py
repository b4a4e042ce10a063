"""One line of text in the canvas: the visible time range, time and frequency under the cursor, the selection.

Shown by napari's text overlay, so it is readable without opening a widget::

    12.000 – 16.000 s  |  cursor 13.254 s, 3,406 Hz  |  syll_3  13.120 – 13.342 s  (222 ms)

Under the cursor a spectrogram gives the frequency of its row, a waveform the
amplitude; the selection is that of the annotation layers (one annotation:
its song type, start, stop and duration; several: how many and their span).
napari's own status bar shows display coordinates, since the frequency axis
is compressed for display; this line converts back to Hz.
"""

from __future__ import annotations

import weakref

import numpy as np

from .annotation_layer import segment_times
from .navigation import visible_time_range
from .recording_layers import ANNOTATIONS, EVENTS, PART, SPECTROGRAM, WAVEFORM, kind_of, recording_of
from .waveform_layer import amplitude_at

SEPARATOR = "  |  "
_CURSOR: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def install(viewer) -> None:
    """Show the readout in ``viewer`` and keep it current (called once per viewer by the viewer hooks)."""
    overlay = viewer.text_overlay
    overlay.visible = True
    overlay.position = "top_left"
    overlay.font_size = 10
    overlay.color = "white"
    viewer_ref = weakref.ref(viewer)

    def update(event=None):
        if (live := viewer_ref()) is not None:
            refresh(live)

    def on_mouse_move(viewer, event):
        _CURSOR[viewer] = cursor_text(viewer, event.position)
        refresh(viewer)

    viewer.mouse_move_callbacks.append(on_mouse_move)
    viewer.scene.camera.events.center.connect(update)
    viewer.scene.camera.events.zoom.connect(update)
    viewer.layers.events.inserted.connect(lambda event: _follow_selection(event.value, update))
    viewer.layers.events.removed.connect(update)
    for layer in viewer.layers:
        _follow_selection(layer, update)


def refresh(viewer) -> None:
    """Show the current range, the last cursor position and the selection."""
    parts = [time_range_text(viewer), _CURSOR.get(viewer, ""), selection_text(viewer.layers)]
    viewer.text_overlay.text = SEPARATOR.join(part for part in parts if part)


def time_range_text(viewer) -> str:
    if not any(kind_of(layer) is not None for layer in viewer.layers):
        return ""
    start, stop = visible_time_range(viewer)
    return f"{start:.3f} – {stop:.3f} s"


def cursor_text(viewer, position) -> str:
    """Time and frequency (over a spectrogram) or amplitude (over a waveform) at world ``position``."""
    seconds = float(position[-1])
    for layer in reversed(viewer.layers):
        kind = kind_of(layer)
        if kind not in (SPECTROGRAM, WAVEFORM) or not layer.visible:
            continue
        row = layer.world_to_data(position)[-2]
        if -0.5 <= row <= layer.level_shapes[0][0] - 0.5:
            if kind == WAVEFORM:
                return f"cursor {seconds:.3f} s, amplitude {amplitude_at(layer, row):.3g}"
            return f"cursor {seconds:.3f} s, {layer.translate[-2] + row * layer.scale[-2]:,.0f} Hz"
    return f"cursor {seconds:.3f} s"


def selected_annotations(layers, recording: str | None = None) -> list[tuple[str, float, float]]:
    """``(song type, start, stop)`` of the annotations selected in annotation layers (of ``recording`` if given)."""
    picked = []
    for layer in layers:
        if kind_of(layer) != ANNOTATIONS or not layer.selected_data or "name" not in layer.features:
            continue
        if recording is not None and recording_of(layer) != recording:
            continue
        index = sorted(layer.selected_data)
        if layer.metadata.get(PART) == EVENTS:
            times = np.repeat(np.asarray(layer.data)[index, -1:], 2, axis=1)
        else:
            times = segment_times(layer)[index]
        names = layer.features["name"].to_numpy(dtype=object)[index]
        picked += [(str(name), float(start), float(stop)) for name, (start, stop) in zip(names, times)]
    return picked


def selection_text(layers) -> str:
    """The selected annotations: one as ``name  start – stop s  (duration)``, several as their count and span."""
    picked = selected_annotations(layers)
    if not picked:
        return ""
    if len(picked) == 1:
        name, start, stop = picked[0]
        if start == stop:
            return f"{name}  {start:.3f} s  (event)"
        return f"{name}  {start:.3f} – {stop:.3f} s  ({duration_text(stop - start)})"
    start, stop = min(p[1] for p in picked), max(p[2] for p in picked)
    return f"{len(picked)} selected  {start:.3f} – {stop:.3f} s"


def duration_text(seconds: float) -> str:
    """``12.5 ms`` below 0.1 s, ``222 ms`` below a second, else ``1.234 s``."""
    if seconds < 0.1:
        return f"{seconds * 1000:.1f} ms"
    return f"{seconds * 1000:.0f} ms" if seconds < 1 else f"{seconds:.3f} s"


def _follow_selection(layer, update) -> None:
    if kind_of(layer) == ANNOTATIONS:
        layer.selected_data.events.items_changed.connect(update)
