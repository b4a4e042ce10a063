"""Annotate's mouse, without Qt: what a click or a drag on the spectrogram does while drawing.

A click adds an event of the active event type at that time, or starts/ends a
segment of the active segment type (two clicks); a click-drag adds a segment.
A drag that starts within ``GRAB_PIXELS`` of an event or a segment edge moves
it. Shift-click toggles the selection of the annotation under the cursor.
Edits go through the :class:`~.annotation_session.AnnotationSession`.
"""

from __future__ import annotations

import numpy as np

from .annotation_layer import segment_times

#: how close (screen pixels) a press must be to an edge or event to move it
GRAB_PIXELS = 6


class DrawTool:
    """The mouse callback (:meth:`on_mouse`) of a session, active while :attr:`drawing`."""

    def __init__(self, session):
        self.session = session
        self.drawing = False

    def set_drawing(self, drawing: bool) -> None:
        """While drawing, a drag draws instead of panning and napari's layer tools stay out of the way."""
        self.drawing = drawing
        self.session.viewer.scene.camera.mouse_pan = not drawing
        self.session.pending_start = None
        editor = self.session.editor
        if drawing and editor is not None:
            for layer in (editor.segments, editor.events):
                layer.mode = "pan_zoom"

    def on_mouse(self, viewer, event):
        """napari mouse-drag callback: press, moves, release (a generator, as napari expects)."""
        if not self.drawing or self.session.editor is None:
            return
        start = float(event.position[-1])
        tolerance = GRAB_PIXELS / viewer.scene.camera.zoom
        if "Shift" in event.modifiers:
            self.select_at(start, tolerance)
            return
        grab = self.grab(start, tolerance)
        yield
        stop, dragged = start, False
        while event.type == "mouse_move":
            stop = float(event.position[-1])
            dragged = dragged or abs(stop - start) > tolerance
            yield
        stop = float(event.position[-1])
        dragged = dragged or abs(stop - start) > tolerance
        if grab is not None and dragged:
            self._move(grab, stop)
        else:
            self.session.add_at(start, stop if dragged else None)

    def select_at(self, seconds: float, tolerance: float) -> None:
        """Toggle the selection of the event or segment at ``seconds``."""
        grab = self.grab(seconds, tolerance)
        if grab is None:
            segments = self.session.editor.segments
            times = segment_times(segments)
            inside = np.flatnonzero((times[:, 0] <= seconds) & (seconds <= times[:, 1]))
            grab = (segments, int(inside[0]), None) if len(inside) else None
        if grab is not None:
            layer, index, _ = grab
            layer.selected_data = set(layer.selected_data) ^ {index}

    def grab(self, seconds: float, tolerance: float):
        """``(layer, index, edge)`` of the event (edge None) or segment edge within ``tolerance`` of ``seconds``."""
        editor = self.session.editor
        events = editor.events
        if len(events.data):
            distance = np.abs(events.data[:, -1] - seconds)
            if distance.min() <= tolerance:
                return events, int(distance.argmin()), None
        times = segment_times(editor.segments)
        if len(times):
            distance = np.abs(times - seconds)
            index, edge = np.unravel_index(distance.argmin(), distance.shape)
            if distance[index, edge] <= tolerance:
                return editor.segments, int(index), int(edge)
        return None

    def _move(self, grab, seconds: float) -> None:
        _, index, edge = grab
        if edge is None:
            self.session.move_event(index, seconds)
        else:
            self.session.move_segment_edge(index, edge, seconds)
