"""Annotate's playback in Qt: the speed, what is playing, the moving cursor, and Space (tapped plays, held pans).

:class:`~.playback_control.PlaybackControl` plays and draws the cursor; this
panel moves the cursor with a timer while sound plays, says what plays (or why
nothing does) and tells the Play button, through :attr:`PlaybackPanel.playing_changed`,
to read *Stop* meanwhile.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from napari.utils.notifications import show_error, show_warning
from qtpy.QtCore import QTimer, Signal
from qtpy.QtWidgets import QDoubleSpinBox, QLabel, QWidget

from ..playback import MAX_SPEED, MIN_SPEED, PlaybackUnavailable
from .playback_control import PlaybackControl
from .qt_parts import row

#: the key that plays (tapped) or pans and zooms in any mode (held, napari's own binding)
PLAY_KEY = "Space"
PLAY_TEXT, STOP_TEXT = "▶ Play", "■ Stop"
#: how often the playback cursor moves
CURSOR_INTERVAL_MS = 30


class PlaybackPanel(QWidget):
    """Speed and status of playing the session's recording; :meth:`toggle` plays or stops."""

    #: True when sound starts, False when it ends or is stopped
    playing_changed = Signal(bool)

    def __init__(self, session, parent=None):
        super().__init__(parent)
        self.session = session
        self.control = PlaybackControl(session.viewer)
        self.speed = QDoubleSpinBox(minimum=MIN_SPEED, maximum=MAX_SPEED, singleStep=0.1, value=1.0, suffix=" ×")
        self.speed.setToolTip("Playback speed: below 1 slower and lower (ultrasonic song becomes audible), above 1 faster")
        self.label = QLabel("")
        self._cursor_timer = QTimer(self)
        self._cursor_timer.setInterval(CURSOR_INTERVAL_MS)
        self._cursor_timer.timeout.connect(self.move_cursor)
        layout = row(QLabel("speed"), self.speed, self.label)
        layout.setContentsMargins(0, 0, 0, 0)
        self.setLayout(layout)

    @property
    def playing(self) -> bool:
        return self.control.playing

    def toggle(self) -> None:
        """Play the selected annotations (else the visible range) of the current recording, or stop playing."""
        if self.control.playing:
            self.control.stop()
            self.move_cursor()
            return
        if self.session.spectrogram is None:
            self.label.setText("open a recording first")
            return
        try:
            start, stop = self.control.play(self.session.spectrogram, self.speed.value())
        except PlaybackUnavailable as err:
            self.label.setText("no sound: see the message")
            show_warning(f"Cannot play: {err}")
            return
        except ValueError as err:
            show_error(f"Cannot play: {err}")
            return
        self.label.setText(f"{start:.3f} – {stop:.3f} s")
        self.playing_changed.emit(True)
        self._cursor_timer.start()

    def move_cursor(self) -> None:
        """Put the cursor on the second being heard; once nothing plays, stop the timer and say so."""
        if not self.control.tick():
            self._cursor_timer.stop()
            self.playing_changed.emit(False)


def tap_or_hold_to_pan(viewer, action: Callable[[], object]):
    """A Space binding: tapped, ``action()``; held, pan and zoom in any mode as napari's own Space does.

    A press shorter than napari's hold delay (*Preferences*, 0.5 s by default) is a tap.
    """
    from napari.settings import get_settings

    def bound(_target):
        layer = viewer.layers.selection.active
        previous = getattr(layer, "mode", "pan_zoom")
        if previous != "pan_zoom":
            layer.mode = "pan_zoom"
        pressed = time.monotonic()
        yield
        if previous != "pan_zoom" and layer in viewer.layers:
            layer.mode = previous
        if time.monotonic() - pressed < get_settings().application.hold_button_delay:
            action()

    return bound
