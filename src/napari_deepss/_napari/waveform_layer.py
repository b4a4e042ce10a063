"""The waveform image layer: one channel of a recording drawn below its spectrogram, in seconds.

The layer shows the lazy envelope pyramid of :mod:`napari_deepss.waveform`.
Sample ``i`` (4 columns of level 0) is centred at ``i / samplerate`` seconds,
as the spectrogram's frame ``k`` is at ``k * hop / samplerate``, so both share
the time axis exactly. Vertically the viewer's axis is the spectrogram's frequency
(Hz, compressed for display by :mod:`.viewer_hooks`): the waveform's amplitude
rows are scaled into a band of ``WAVEFORM_HEIGHT`` times the spectrogram's
height, ``GAP`` below its lower edge, so the one display transform of the
hooks places it under its spectrogram whatever the frequency range.

It shows the spectrogram's channel and follows it (Shift-C) and the display
settings (band-pass, magnification; :func:`update_waveform`). The setting
*Show the waveform* turns it off.
"""

from __future__ import annotations

from napari.utils.colormaps import Colormap

from ..waveform import OVERSAMPLING, WaveformGeometry, peak_amplitude, waveform_pyramid
from .recording_layers import KIND, WAVEFORM

#: height of the waveform band, as a fraction of the spectrogram's height
WAVEFORM_HEIGHT = 0.35
#: space between the waveform and the spectrogram, as a fraction of the spectrogram's height
GAP = 0.03
COLORMAP = Colormap([[0.0, 0.0, 0.0, 1.0], [0.62, 0.88, 1.0, 1.0]], name="deepss waveform")


def with_waveform(spectrogram: tuple) -> list[tuple]:
    """``[spectrogram, waveform]`` layer data, or ``[spectrogram]`` when the display settings turn it off."""
    _, kwargs, _ = spectrogram
    if not kwargs["metadata"]["display_settings"].waveform:
        return [spectrogram]
    return [spectrogram, waveform_layer_data(kwargs["name"], kwargs["metadata"])]


def waveform_layer_data(name: str, spectrogram_metadata) -> tuple:
    """``(data, kwargs, "image")`` of the waveform of a spectrogram's channel, from its name and metadata."""
    levels, placement, metadata = _waveform(spectrogram_metadata)
    kwargs = {
        "name": f"{name} waveform",
        **placement,
        "axis_labels": ("frequency", "time"),
        "units": ("Hz", "s"),
        "contrast_limits": (0, 255),
        "colormap": COLORMAP,
        "multiscale": True,
        "metadata": {KIND: WAVEFORM, **metadata},
    }
    return levels, kwargs, "image"


def update_waveform(layer, spectrogram) -> None:
    """Draw ``layer`` again from its recording's ``spectrogram`` layer (channel, frequency range, settings)."""
    levels, placement, metadata = _waveform(spectrogram.metadata)
    layer.data = levels
    for key, value in placement.items():
        setattr(layer, key, value)
    layer.metadata = {**layer.metadata, **metadata}


def amplitude_at(layer, row: float) -> float:
    """The amplitude of (fractional) data ``row`` of a waveform layer."""
    amplitude = layer.metadata["amplitude"]
    return -amplitude + row * 2 * amplitude / (layer.level_shapes[0][0] - 1)


def _waveform(spectrogram_metadata) -> tuple[list, dict, dict]:
    """The levels, ``scale``/``translate`` and metadata of the waveform of a spectrogram's channel."""
    meta = spectrogram_metadata
    settings, samplerate = meta["display_settings"], meta["samplerate"]
    signal = meta["samples"][:, meta["channel"]]
    amplitude = peak_amplitude(signal, samplerate, settings.band) / settings.waveform_gain
    geometry = WaveformGeometry(samplerate, len(signal), amplitude, settings.band)
    low, high = meta["freq_edges"]
    height = WAVEFORM_HEIGHT * (high - low)
    row = height / geometry.rows
    bottom = low - GAP * (high - low) - height
    column = 1 / (OVERSAMPLING * samplerate)
    # sample i spans columns 4i..4i+3, whose middle (4i + 1.5) must lie at i / samplerate
    placement = {"scale": (row, column), "translate": (bottom + row / 2, -(OVERSAMPLING - 1) / 2 * column)}
    return waveform_pyramid(signal, geometry), placement, {"channel": meta["channel"], "amplitude": amplitude}
