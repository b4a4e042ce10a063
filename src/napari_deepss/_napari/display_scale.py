"""The display compression of the frequency axis: one factor per viewer, shared by every deepss layer.

Every layer whose data are in Hz and seconds (``deepss_kind`` set) is drawn
with world y = Hz x :func:`display_frequency_scale` (an ``affine``), time in
seconds unchanged. Event points are only moved (a ``translate``), since vispy
would stretch their markers. :mod:`.viewer_hooks` chooses the factor for the
first view; zooming time (:func:`.navigation.zoom_time`) divides it by the
zoom so the picture keeps its height on screen.
"""

from __future__ import annotations

import weakref

import numpy as np

from .recording_layers import EVENTS, PART, kind_of

_SCALES: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def display_frequency_scale(viewer) -> float | None:
    """World units per Hz on the frequency axis of ``viewer`` (None before a spectrogram)."""
    return _SCALES.get(viewer)


def set_frequency_scale(viewer, frequency_scale: float, keep_view: bool = True) -> None:
    """Draw the frequency axis of every deepss layer at ``frequency_scale`` world units per Hz.

    With ``keep_view`` the camera's centre moves with the layers, so what is in the middle of the view stays there.
    """
    previous = _SCALES.get(viewer)
    if keep_view and previous is not None:
        center = list(viewer.scene.camera.center)
        center[-2] *= frequency_scale / previous
        viewer.scene.camera.center = tuple(center)
    _SCALES[viewer] = frequency_scale
    for layer in viewer.layers:
        if kind_of(layer) is not None:
            apply_frequency_scale(layer, frequency_scale)


def apply_frequency_scale(layer, frequency_scale: float) -> None:
    """Give one layer the display compression."""
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
