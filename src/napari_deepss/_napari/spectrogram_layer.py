"""The spectrogram image layer and the viewer set-up that makes it readable.

Coordinates: the layer's ``scale``/``translate`` place pixel ``(row, frame)``
at ``(frequency in Hz, time in seconds)``; axis 0 is frequency, axis 1 time.

napari's camera zooms both axes alike, so in Hz and seconds a view of a few
seconds would show a band a few Hz tall. :func:`install_viewer_hooks`
therefore gives every layer whose data are in Hz and seconds (``metadata
["deepss_kind"]`` set: spectrograms, annotations) the same display ``affine``
that compresses the frequency axis, so the full frequency range is about
half as tall as the first view is wide. Time stays in seconds in world
coordinates; layer data (shape vertices, ``layer.world_to_data``) stay in Hz
and seconds, so a shape at ``(f Hz, t s)`` lies exactly over that place.
"""

from __future__ import annotations

import weakref
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..spectrogram import (
    SpectrogramSettings,
    estimate_contrast_limits,
    loudest_channel,
    spectrogram,
    spectrogram_pyramid,
)

SPECTROGRAM_KIND = "spectrogram"
#: key (on the viewer) that shows the next channel of a multi-channel recording
NEXT_CHANNEL_KEY = "Shift-C"
#: seconds shown by the first view
FIRST_VIEW_SECONDS = 4.0
#: displayed frequency range height / first view width (world units)
FREQUENCY_ASPECT = 0.5
#: recordings with at most this many frames are computed at once (one level)
SINGLE_LEVEL_FRAMES = 8192
COLORMAP = "magma"


def spectrogram_layer_data(
    samples: np.ndarray,
    samplerate: float,
    *,
    path=None,
    name: str | None = None,
    channel: int | None = None,
    settings: SpectrogramSettings | None = None,
) -> tuple:
    """``(data, kwargs, "image")`` of the spectrogram of one channel of ``samples``.

    ``channel`` defaults to the loudest. Recordings longer than
    ``SINGLE_LEVEL_FRAMES`` frames become a lazy multiscale pyramid with
    explicit contrast limits, so nothing is computed until napari draws.
    The recording stays in ``metadata["samples"]`` for :func:`set_channel`.
    """
    samples = np.asarray(samples)
    if samples.ndim == 1:
        samples = samples[:, np.newaxis]
    settings = settings or SpectrogramSettings()
    channel = loudest_channel(samples) if channel is None else _checked_channel(samples, channel)
    image = _channel_image(samples, samplerate, channel, settings)
    geometry = image.geometry
    kwargs = {
        "name": name or (Path(path).stem if path is not None else "spectrogram"),
        "scale": (geometry.freq_step, geometry.time_step),
        "translate": (geometry.first_bin * geometry.freq_step, 0.0),
        "axis_labels": ("frequency", "time"),
        "units": ("Hz", "s"),
        "contrast_limits": image.contrast_limits,
        "colormap": COLORMAP,
        "multiscale": isinstance(image.data, list),
        "metadata": {
            "deepss_kind": SPECTROGRAM_KIND,
            "path": None if path is None else str(path),
            "samplerate": float(samplerate),
            "n_channels": samples.shape[1],
            "channel": channel,
            "freq_range": geometry.freq_range,
            "duration_seconds": samples.shape[0] / samplerate,
            "spectrogram_settings": settings,
            "samples": samples,
        },
    }
    return image.data, kwargs, "image"


def set_channel(layer, channel: int) -> None:
    """Show ``channel`` of the layer's recording, keeping the view and settings.

    In a viewer prepared by :func:`install_viewer_hooks`, Shift-C
    (``NEXT_CHANNEL_KEY``) shows the next channel of the selected
    spectrogram (or of the top one when another layer is selected).
    """
    meta = layer.metadata
    samples = meta["samples"]
    channel = _checked_channel(samples, channel)
    image = _channel_image(samples, meta["samplerate"], channel, meta["spectrogram_settings"])
    layer.data = image.data
    layer.contrast_limits_range = image.contrast_limits
    layer.contrast_limits = image.contrast_limits
    layer.metadata = {**meta, "channel": channel}


def install_viewer_hooks(viewer) -> None:
    """Prepare ``viewer`` for spectrograms; calling it again changes nothing.

    When a spectrogram layer is inserted into a viewer showing no other:
    frequency axis upward, dims labelled, the Hz axis of every deepss layer
    compressed for display (module docstring) and the view set to the first
    ``FIRST_VIEW_SECONDS`` seconds. This runs after napari's own reset of the
    view on the first layer. Later deepss layers get the same display scale.
    """
    if viewer in _HOOKED:
        return
    _HOOKED[viewer] = _ViewerState()
    viewer.layers.events.inserted.connect(lambda event: _on_inserted(viewer, event.value), position="last")
    viewer.bind_key(NEXT_CHANNEL_KEY, _show_next_channel, overwrite=True)
    for layer in list(viewer.layers):
        _on_inserted(viewer, layer)


def display_frequency_scale(viewer) -> float | None:
    """World units per Hz on the frequency axis of ``viewer`` (None before a spectrogram)."""
    state = _HOOKED.get(viewer)
    return None if state is None else state.frequency_scale


@dataclass
class _ViewerState:
    frequency_scale: float | None = None


@dataclass(frozen=True)
class _ChannelImage:
    data: object
    contrast_limits: tuple[float, float]
    geometry: object


_HOOKED: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def _checked_channel(samples: np.ndarray, channel: int) -> int:
    if not 0 <= int(channel) < samples.shape[1]:
        raise ValueError(f"channel {channel} does not exist; the recording has {samples.shape[1]} channel(s)")
    return int(channel)


def _channel_image(samples, samplerate, channel, settings) -> _ChannelImage:
    geometry = settings.resolve(samplerate)
    signal = samples[:, channel]
    if geometry.n_frames(len(signal)) <= SINGLE_LEVEL_FRAMES:
        data = spectrogram(signal, geometry)
    else:
        data = spectrogram_pyramid(signal, geometry)
    return _ChannelImage(data, estimate_contrast_limits(signal, geometry), geometry)


def _on_inserted(viewer, layer) -> None:
    kind = layer.metadata.get("deepss_kind")
    if kind is None:
        return
    state = _HOOKED[viewer]
    if kind == SPECTROGRAM_KIND and (state.frequency_scale is None or not _other_spectrograms(viewer, layer)):
        # the viewer's first (or now only) recording sets the display scale and the first view
        frequency_span = layer.level_shapes[0][0] * layer.scale[0]
        state.frequency_scale = FIRST_VIEW_SECONDS * FREQUENCY_ASPECT / frequency_span
        for other in viewer.layers:
            if other.metadata.get("deepss_kind") is not None:
                _apply_frequency_scale(other, state.frequency_scale)
        _show_first_seconds(viewer, layer)
    elif state.frequency_scale is not None:
        _apply_frequency_scale(layer, state.frequency_scale)


def _other_spectrograms(viewer, layer) -> list:
    return [other for other in viewer.layers if other is not layer and other.metadata.get("deepss_kind") == SPECTROGRAM_KIND]


def _apply_frequency_scale(layer, frequency_scale: float) -> None:
    frequency_axis = layer.ndim - 2
    if layer.metadata.get("annotation_part") == "events":
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
    candidates = [active] if active is not None and active.metadata.get("deepss_kind") == SPECTROGRAM_KIND else []
    candidates += [layer for layer in reversed(viewer.layers) if layer.metadata.get("deepss_kind") == SPECTROGRAM_KIND]
    if candidates:
        layer = candidates[0]
        set_channel(layer, (layer.metadata["channel"] + 1) % layer.metadata["n_channels"])
