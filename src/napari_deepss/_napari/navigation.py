"""Moving through long recordings: page by one view width, zoom time, jump between annotations.

The viewer's last world axis is time in seconds (the viewer hooks only
compress the frequency axis), so the visible time range follows from the
camera's centre, its zoom (screen pixels per world unit) and the canvas width.
napari's 2D camera zooms both axes alike, so :func:`zoom_time` also
compresses the frequency axis by the zoom factor: the spectrogram and the
waveform keep their height on screen, as in an audio editor.
"""

from __future__ import annotations

import numpy as np

from .display_scale import display_frequency_scale, set_frequency_scale

#: factor of one zoom step
ZOOM_STEP = 2.0


def visible_time_range(viewer) -> tuple[float, float]:
    """``(start, stop)`` seconds shown by ``viewer``."""
    centre = viewer.scene.camera.center[-1]
    half_width = viewer.canvas.size[1] / viewer.scene.camera.zoom / 2
    return centre - half_width, centre + half_width


def show_time(viewer, seconds: float) -> None:
    """Centre the view on ``seconds``, keeping zoom and frequency position."""
    center = list(viewer.scene.camera.center)
    center[-1] = float(seconds)
    viewer.scene.camera.center = tuple(center)


def page(viewer, direction: int) -> None:
    """Move the view by one view width forward (``direction`` 1) or back (-1)."""
    start, stop = visible_time_range(viewer)
    show_time(viewer, (start + stop) / 2 + direction * (stop - start))


def zoom_time(viewer, factor: float) -> None:
    """Show ``factor`` times fewer seconds (``factor`` > 1 zooms in), keeping the picture's height."""
    viewer.scene.camera.zoom = viewer.scene.camera.zoom * factor
    frequency_scale = display_frequency_scale(viewer)
    if frequency_scale is not None:
        set_frequency_scale(viewer, frequency_scale / factor)


def next_time(times, current: float, direction: int, tolerance: float = 1e-9) -> float | None:
    """The first of ``times`` after (``direction`` 1) or before (-1) ``current``, or ``None``."""
    times = np.sort(np.asarray(times, dtype=np.float64))
    if direction > 0:
        later = times[times > current + tolerance]
        return float(later[0]) if len(later) else None
    earlier = times[times < current - tolerance]
    return float(earlier[-1]) if len(earlier) else None


def jump(viewer, times, direction: int) -> float | None:
    """Centre the view on the next/previous of ``times`` from the view's centre; returns it (or ``None``)."""
    target = next_time(times, viewer.scene.camera.center[-1], direction)
    if target is not None:
        show_time(viewer, target)
    return target
