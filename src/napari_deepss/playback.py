"""Listen to a stretch of a recording at a speed factor, through an optional audio library.

Sound goes to an output with ``play(samples, samplerate, speed)`` and
``stop()``. :class:`SoundDeviceOutput` plays with ``sounddevice`` (the
optional extra ``pip install 'napari-deepss[audio]'``, which needs the
PortAudio library); tests give :class:`Player` a fake output that records what
it was asked to play. Playing at ``speed`` plays the samples at ``speed x
samplerate``: slower is also lower, which brings ultrasonic song into hearing
at 0.1x and spreads fast pulses apart. The output resamples to its device's
own rate.

Without the library or an output device, :class:`SoundDeviceOutput` raises
:class:`PlaybackUnavailable` saying what is missing and how to get it.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Protocol

import numpy as np

from .bandpass import BandPass
from .resampling import resample, resampling_factors

MIN_SPEED, MAX_SPEED = 0.05, 4.0
#: fade in and out (seconds of played sound), so a stretch cut mid-sound does not click
FADE_SECONDS = 0.005


class PlaybackUnavailable(RuntimeError):
    """No sound can be played here; the message says why and what to install."""


class AudioOutput(Protocol):
    def play(self, samples: np.ndarray, samplerate: float, speed: float) -> None:
        """Start playing mono ``samples`` (float32, -1..1) recorded at ``samplerate`` Hz, ``speed`` times as fast."""

    def stop(self) -> None:
        """Stop playing (nothing when nothing plays)."""


class SoundDeviceOutput:
    """The default output device, through ``sounddevice``."""

    def __init__(self):
        self._sd = _import_sounddevice()
        try:
            device = self._sd.query_devices(kind="output")
        except Exception as err:  # sounddevice.PortAudioError, ValueError: no (default) output device
            raise PlaybackUnavailable(f"no audio output device was found ({err})") from None
        self.device_rate = float(device["default_samplerate"])

    def play(self, samples: np.ndarray, samplerate: float, speed: float) -> None:
        up, down = resampling_factors(samplerate * speed, self.device_rate)
        sound = resample(np.asarray(samples, dtype=np.float32)[:, np.newaxis], up, down)[:, 0]
        # the fraction up/down is within 0.1 % of the device's rate: played at exactly that rate
        self._sd.play(_faded(sound, self.device_rate), self.device_rate)

    def stop(self) -> None:
        self._sd.stop()


def _import_sounddevice():
    try:
        import sounddevice
    except ImportError:
        raise PlaybackUnavailable("playback needs the sounddevice library: pip install 'napari-deepss[audio]'") from None
    except OSError as err:  # sounddevice is installed but finds no PortAudio library
        raise PlaybackUnavailable(f"playback needs the PortAudio library ({err}); on Debian/Ubuntu: "
                                  "sudo apt-get install libportaudio2") from None
    return sounddevice


def _faded(sound: np.ndarray, rate: float) -> np.ndarray:
    """``sound`` with short fades at both ends, scaled down when it exceeds full scale (never up)."""
    sound = sound.copy()
    n = min(int(FADE_SECONDS * rate), len(sound) // 2)
    if n:
        ramp = np.sin(np.linspace(0, np.pi / 2, n, dtype=np.float32)) ** 2
        sound[:n] *= ramp
        sound[-n:] *= ramp[::-1]
    peak = float(np.max(np.abs(sound), initial=0.0))
    return sound / peak if peak > 1 else sound


class Player:
    """Plays one stretch of one recording at a time and knows which second of the recording is heard now.

    The output is made when first needed (``make_output``, default
    :class:`SoundDeviceOutput`), so a missing library is reported when the
    user presses Play, not when napari starts.
    """

    def __init__(self, make_output: Callable[[], AudioOutput] = SoundDeviceOutput, clock: Callable[[], float] = time.monotonic):
        self._make_output = make_output
        self._clock = clock
        self._output: AudioOutput | None = None
        self._playing: tuple[float, float, float, float] | None = None  # (start s, stop s, speed, clock at start)

    def play(self, signal: np.ndarray, samplerate: float, start: float, stop: float, speed: float = 1.0,
             band: BandPass = BandPass()) -> tuple[float, float]:
        """Play seconds ``start..stop`` of the 1-D ``signal`` (band-passed) ``speed`` times as fast.

        The range is clipped to the recording; returns the range played. Raises
        ``ValueError`` for a speed outside ``MIN_SPEED..MAX_SPEED`` or a range
        outside the recording, :class:`PlaybackUnavailable` without a device.
        """
        if not MIN_SPEED <= speed <= MAX_SPEED:
            raise ValueError(f"playback speed must be between {MIN_SPEED:g} and {MAX_SPEED:g}, not {speed:g}")
        first, last = max(int(round(start * samplerate)), 0), min(int(round(stop * samplerate)), len(signal))
        if last <= first:
            raise ValueError(f"nothing to play between {start:.3f} and {stop:.3f} s (the recording lasts "
                             f"{len(signal) / samplerate:.3f} s)")
        if self._output is None:
            self._output = self._make_output()
        self.stop()
        self._output.play(band.excerpt(signal, first, last, samplerate), samplerate, speed)
        self._playing = (first / samplerate, last / samplerate, speed, self._clock())
        return first / samplerate, last / samplerate

    def stop(self) -> None:
        if self._playing is not None and self._output is not None:
            self._output.stop()
        self._playing = None

    @property
    def playing(self) -> bool:
        return self.position() is not None

    def position(self) -> float | None:
        """The recording's second being heard now, or ``None`` when nothing plays (also once the stretch ended)."""
        if self._playing is None:
            return None
        start, stop, speed, started = self._playing
        now = start + (self._clock() - started) * speed
        if now > stop:
            self._playing = None
            return None
        return now
