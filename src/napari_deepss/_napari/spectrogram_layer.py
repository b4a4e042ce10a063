"""The spectrogram image layer: one channel of a recording as an image in Hz and seconds.

Coordinates: the layer's ``scale``/``translate`` place pixel ``(row, frame)``
at ``(frequency in Hz, time in seconds)``; axis 0 is frequency, axis 1 time.
:mod:`.viewer_hooks` makes a viewer of such layers readable.

What it shows follows the :class:`~napari_deepss.display_settings.DisplaySettings`
the user last applied (fitted to the recording's rate); :func:`apply_settings`
shows new ones in place (same layer, same view).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..display_settings import DisplaySettings, load_user_settings
from ..spectrogram import SpectrogramSettings, estimate_contrast_limits, loudest_channel, spectrogram, spectrogram_pyramid
from .recording_layers import KIND, SPECTROGRAM

#: seconds shown by the first view
FIRST_VIEW_SECONDS = 4.0
#: recordings with at most this many frames are computed at once (one level)
SINGLE_LEVEL_FRAMES = 8192


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

    ``channel`` defaults to the loudest, ``settings`` to the user's
    (:func:`~napari_deepss.display_settings.load_user_settings`; spectrogram
    settings alone are shown with the default display settings). Recordings
    longer than ``SINGLE_LEVEL_FRAMES`` frames become a lazy multiscale
    pyramid with explicit contrast limits, so nothing is computed until
    napari draws. The recording stays in ``metadata["samples"]`` for
    :func:`set_channel` and :func:`apply_settings`.
    """
    samples = np.asarray(samples)
    if samples.ndim == 1:
        samples = samples[:, np.newaxis]
    if settings is None:
        settings = load_user_settings()
    elif not isinstance(settings, DisplaySettings):
        settings = DisplaySettings.from_dict(settings.to_dict())
    settings = settings.fitted(samplerate)
    channel = loudest_channel(samples) if channel is None else _checked_channel(samples, channel)
    image = _channel_image(samples, samplerate, channel, settings)
    kwargs = {
        "name": name or (Path(path).stem if path is not None else "spectrogram"),
        **_placement(image.geometry),
        "axis_labels": ("frequency", "time"),
        "units": ("Hz", "s"),
        "contrast_limits": image.contrast_limits,
        "colormap": settings.colormap,
        "multiscale": isinstance(image.data, list),
        "metadata": {
            KIND: SPECTROGRAM,
            "path": None if path is None else str(path),
            "samplerate": float(samplerate),
            "n_channels": samples.shape[1],
            "channel": channel,
            **_geometry_metadata(image.geometry),
            "duration_seconds": samples.shape[0] / samplerate,
            "display_settings": settings,
            "samples": samples,
        },
    }
    return image.data, kwargs, "image"


def set_channel(layer, channel: int) -> None:
    """Show ``channel`` of the layer's recording, keeping the view and settings.

    In a viewer prepared by :func:`.viewer_hooks.install_viewer_hooks`, Shift-C
    (:data:`.viewer_hooks.NEXT_CHANNEL_KEY`) shows the next channel of the selected
    spectrogram (or of the top one when another layer is selected), and its waveform follows.
    """
    _show(layer, _checked_channel(layer.metadata["samples"], channel), layer.metadata["display_settings"])


def apply_settings(layer, settings: DisplaySettings) -> DisplaySettings:
    """Show the layer's recording with ``settings`` (fitted to its rate, returned), keeping layer and channel.

    Raises ``ValueError`` (the layer unchanged) for settings that make no image.
    """
    settings = settings.fitted(layer.metadata["samplerate"])
    _show(layer, layer.metadata["channel"], settings)
    return settings


@dataclass(frozen=True)
class _ChannelImage:
    data: object
    contrast_limits: tuple[float, float]
    geometry: object


def _show(layer, channel: int, settings: DisplaySettings) -> None:
    meta = layer.metadata
    image = _channel_image(meta["samples"], meta["samplerate"], channel, settings, multiscale=layer.multiscale)
    layer.data = image.data
    for key, value in _placement(image.geometry).items():
        setattr(layer, key, value)
    layer.contrast_limits_range = image.contrast_limits
    layer.contrast_limits = image.contrast_limits
    layer.colormap = settings.colormap
    layer.metadata = {**meta, "channel": channel, "display_settings": settings, **_geometry_metadata(image.geometry)}


def _placement(geometry) -> dict:
    return {"scale": (geometry.freq_step, geometry.time_step), "translate": (geometry.first_bin * geometry.freq_step, 0.0)}


def _geometry_metadata(geometry) -> dict:
    """Centres of the first and last row (``freq_range``) and the image's lower and upper edge (``freq_edges``), Hz."""
    low, high = geometry.freq_range
    return {"freq_range": (low, high), "freq_edges": (low - geometry.freq_step / 2, high + geometry.freq_step / 2)}


def _checked_channel(samples: np.ndarray, channel: int) -> int:
    if not 0 <= int(channel) < samples.shape[1]:
        raise ValueError(f"channel {channel} does not exist; the recording has {samples.shape[1]} channel(s)")
    return int(channel)


def _channel_image(samples, samplerate, channel, settings, multiscale: bool | None = None) -> _ChannelImage:
    """The image of one channel; ``multiscale`` None: a pyramid only for long recordings.

    napari cannot turn a layer into a pyramid or back, so a layer keeps its kind: a short recording's single
    image is computed whole again (even with a smaller hop), a long recording's pyramid stays one.
    """
    geometry = settings.resolve(samplerate)
    signal = samples[:, channel]
    if multiscale is None:
        multiscale = geometry.n_frames(len(signal)) > SINGLE_LEVEL_FRAMES
    data = spectrogram_pyramid(signal, geometry) if multiscale else spectrogram(signal, geometry)
    if settings.auto_contrast:
        limits = estimate_contrast_limits(signal, geometry)
    else:
        limits = (settings.contrast_min_db, settings.contrast_max_db)
    return _ChannelImage(data, limits, geometry)
