"""The spectrogram image layer: one channel of a recording as an image in Hz and seconds.

Coordinates: the layer's ``scale``/``translate`` place pixel ``(row, frame)``
at ``(frequency in Hz, time in seconds)``; axis 0 is frequency, axis 1 time.
:mod:`.viewer_hooks` makes a viewer of such layers readable.
"""

from __future__ import annotations

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
from .recording_layers import KIND, SPECTROGRAM

#: seconds shown by the first view
FIRST_VIEW_SECONDS = 4.0
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
            KIND: SPECTROGRAM,
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

    In a viewer prepared by :func:`.viewer_hooks.install_viewer_hooks`, Shift-C
    (:data:`.viewer_hooks.NEXT_CHANNEL_KEY`) shows the next channel of the selected
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


@dataclass(frozen=True)
class _ChannelImage:
    data: object
    contrast_limits: tuple[float, float]
    geometry: object


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
