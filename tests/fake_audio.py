"""A stand-in for the sound card: records what it was asked to play, plays nothing."""

from __future__ import annotations

import numpy as np


class FakeOutput:
    def __init__(self):
        self.played: list[tuple[np.ndarray, float, float]] = []  # (samples, samplerate, speed) of each play
        self.stops = 0

    def play(self, samples, samplerate, speed):
        self.played.append((np.array(samples), samplerate, speed))

    def stop(self):
        self.stops += 1


class FakeClock:
    """A clock that moves only when told."""

    def __init__(self):
        self.now = 100.0

    def __call__(self):
        return self.now
