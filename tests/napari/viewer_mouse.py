"""Mouse input for napari viewers in tests: napari's own test events through the viewer's callbacks."""

from __future__ import annotations

from napari.utils._test_utils import read_only_mouse_event
from napari.utils.interactions import mouse_move_callbacks, mouse_press_callbacks, mouse_release_callbacks

FREQUENCY = 600.0  # Hz: inside the spectrograms of the test recordings


def click_or_drag(viewer, start: float, stop: float | None = None, modifiers=()) -> None:
    """A click at ``start`` seconds, or a drag from ``start`` to ``stop``, on the spectrogram."""
    mouse_press_callbacks(viewer, read_only_mouse_event(type="mouse_press", position=(FREQUENCY, start), modifiers=list(modifiers)))
    end = start if stop is None else stop
    if stop is not None:
        for seconds in ((start + stop) / 2, end):
            mouse_move_callbacks(viewer, read_only_mouse_event(type="mouse_move", is_dragging=True, position=(FREQUENCY, seconds)))
    mouse_release_callbacks(viewer, read_only_mouse_event(type="mouse_release", position=(FREQUENCY, end)))
