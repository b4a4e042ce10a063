"""Annotation labels that do not pile up: a song type's name is shown only where it has room on screen.

A label is drawn from its annotation's start to the right; it has room when
the next annotation of its layer starts at least the label's width (in screen
pixels, at the current zoom) later. Zooming in shows more labels, zooming out
hides them; the selected annotation's name is always in the readout
(:mod:`.readout`). Labels are recomputed when the zoom, the annotations or
their names change, and only while the layer's labels are shown (napari's
*display text*; layers of more than ``TEXT_LABEL_LIMIT`` annotations start
with it off, see :mod:`.annotation_layer`).
"""

from __future__ import annotations

import weakref

import numpy as np

from .annotation_layer import segment_times
from .recording_layers import EVENTS, PART

#: screen pixels per character of a label at napari's text size 9, and the space kept after a label
CHAR_PIXELS = 7.0
PAD_PIXELS = 8.0


def label_strings(names, starts, pixels_per_second: float, font_size: float = 9) -> np.ndarray:
    """Each name where the next start lies further than the name is wide on screen, else ``''``."""
    names = np.asarray(names, dtype=str)
    starts = np.asarray(starts, dtype=np.float64)
    if not len(names):
        return names
    order = np.argsort(starts, kind="stable")
    room = np.full(len(starts), np.inf)
    room[order[:-1]] = np.diff(starts[order])
    widths = (np.char.str_len(names) * CHAR_PIXELS * font_size / 9 + PAD_PIXELS) / pixels_per_second
    return np.where(room >= widths, names, "")


def keep_readable(viewer, layer) -> None:
    """Relabel ``layer`` (an annotation layer in ``viewer``) now and whenever its zoom, data or names change."""
    viewer_ref, layer_ref = weakref.ref(viewer), weakref.ref(layer)

    def relabel_layer(event=None):
        live_viewer, live_layer = viewer_ref(), layer_ref()
        if live_viewer is not None and live_layer is not None and live_layer in live_viewer.layers:
            relabel(live_viewer, live_layer)

    viewer.scene.camera.events.zoom.connect(relabel_layer)
    for emitter in (layer.events.data, layer.events.features, layer.text.events.visible):
        emitter.connect(relabel_layer)
    relabel(viewer, layer)


def relabel(viewer, layer) -> None:
    """Show the names of ``layer``'s annotations that have room at the viewer's zoom."""
    if not layer.text.visible or "name" not in layer.features:
        return
    if layer.metadata.get(PART) == EVENTS:
        starts = np.asarray(layer.data)[:, -1] if len(layer.data) else np.zeros(0)
    else:
        starts = segment_times(layer)[:, 0]
    names = layer.features["name"].astype(str).to_numpy() if len(starts) else np.zeros(0, dtype=str)
    strings = label_strings(names, starts, viewer.scene.camera.zoom, layer.text.size)
    current = getattr(layer.text.string, "array", None)
    if current is None or len(current) != len(strings) or np.any(np.asarray(current) != strings):
        layer.text.string = {"array": strings, "default": ""}
