"""Play from the viewer: the selected annotations, or else the visible range, with a cursor that moves along.

The stretch is the span of the annotations selected in the recording's
annotation layers (an event gets ``EVENT_CONTEXT_SECONDS`` either side), or
else the visible time range, of the channel the spectrogram shows, band-passed
as the display settings say (what is heard is what is seen). The
:class:`~napari_deepss.playback.Player` does the playing; the cursor is a
Shapes layer (kind :data:`~.recording_layers.PLAYBACK_CURSOR`) holding one
vertical line over the recording's spectrogram and waveform, moved by its
``translate`` (no new shapes while playing) and hidden when the stretch ends.
Something must call :meth:`PlaybackControl.tick` while playing (Annotate's timer).
"""

from __future__ import annotations

import numpy as np
from napari.layers import Layer

from ..playback import Player
from .navigation import visible_time_range
from .readout import selected_annotations
from .recording_layers import KIND, PLAYBACK_CURSOR, RECORDING, belonging_to, recording_of
from .viewer_hooks import frequency_extent

#: seconds played before and after a selected event
EVENT_CONTEXT_SECONDS = 0.1
#: the cursor's width as a fraction of the visible time range (about 2 screen pixels)
CURSOR_WIDTH = 1 / 400


class PlaybackControl:
    """What Play and Stop do in ``viewer``; ``player`` defaults to the sound card (:class:`~napari_deepss.playback.Player`)."""

    def __init__(self, viewer, player: Player | None = None):
        self.viewer = viewer
        self.player = player or Player()
        self.cursor = None

    @property
    def playing(self) -> bool:
        return self.player.playing

    def stretch(self, spectrogram) -> tuple[float, float]:
        """Seconds to play of the spectrogram's recording: the selected annotations' span, else the visible range."""
        picked = selected_annotations(self.viewer.layers, recording_of(spectrogram))
        if not picked:
            return visible_time_range(self.viewer)
        start, stop = min(p[1] for p in picked), max(p[2] for p in picked)
        return (start - EVENT_CONTEXT_SECONDS, stop + EVENT_CONTEXT_SECONDS) if start == stop else (start, stop)

    def play(self, spectrogram, speed: float) -> tuple[float, float]:
        """Play :meth:`stretch` at ``speed``; returns the seconds played.

        Raises ``ValueError`` (bad speed, nothing to play) or
        :class:`~napari_deepss.playback.PlaybackUnavailable` (no library or device).
        """
        meta = spectrogram.metadata
        start, stop = self.stretch(spectrogram)
        played = self.player.play(meta["samples"][:, meta["channel"]], meta["samplerate"], start, stop, speed,
                                  meta["display_settings"].band)
        self._show_cursor(spectrogram, played[0])
        return played

    def stop(self) -> None:
        self.player.stop()

    def tick(self) -> bool:
        """Move the cursor to the second being heard; False (cursor hidden) once nothing plays."""
        position = self.player.position()
        if self.cursor is not None and self.cursor in self.viewer.layers:
            if position is not None:
                self.cursor.translate = (0.0, position)
            self.cursor.visible = position is not None
        return position is not None

    def _show_cursor(self, spectrogram, seconds: float) -> None:
        low, high = frequency_extent(self.viewer.layers, spectrogram)
        view_start, view_stop = visible_time_range(self.viewer)
        line = np.array([[low, 0.0], [high, 0.0]])
        width = (view_stop - view_start) * CURSOR_WIDTH
        if self.cursor is None or self.cursor not in self.viewer.layers:
            self.cursor = self._add_cursor(recording_of(spectrogram), line, width)
        else:
            self.cursor.data = [line]
            self.cursor.edge_width = width
            self.cursor.metadata = {**self.cursor.metadata, RECORDING: recording_of(spectrogram)}
        self.cursor.translate = (0.0, seconds)
        self.cursor.visible = True

    def _add_cursor(self, recording, line, width):
        kwargs = {"name": "playback", "shape_type": "line", "edge_color": "white", "edge_width": width,
                  "axis_labels": ("frequency", "time"), "units": ("Hz", "s"), "metadata": {KIND: PLAYBACK_CURSOR}}
        [(data, kwargs, layer_type)] = belonging_to(recording, [([line], kwargs, "shapes")])
        selected = self.viewer.layers.selection.active
        cursor = self.viewer.add_layer(Layer.create(data, kwargs, layer_type))
        if selected is not None:
            self.viewer.layers.selection.active = selected  # the cursor is not something to edit
        return cursor
