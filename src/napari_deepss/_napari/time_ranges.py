"""The time ranges a widget offers to work on: the whole recording, the visible range, or from the view to the end."""

from __future__ import annotations

from .navigation import visible_time_range

WHOLE = "whole recording"
VISIBLE = "visible range"
TO_END = "from the view to the end"
RANGES = (WHOLE, VISIBLE, TO_END)


def chosen_range(viewer, spectrogram, choice: str) -> tuple[float, float]:
    """``(start, stop)`` seconds of ``choice`` (one of :data:`RANGES`) in the recording of ``spectrogram``."""
    duration = float(spectrogram.metadata["duration_seconds"])
    if choice == WHOLE:
        return 0.0, duration
    start, stop = visible_time_range(viewer)
    start = min(max(start, 0.0), duration)
    return start, duration if choice == TO_END else min(max(stop, start), duration)
