"""A synthetic fly-like courtship song with exact annotations, for demos and tests.

Bouts of song over low noise, separated by silent gaps: trains of short pulses
(event type ``pulse``, annotated at each pulse centre) and sine song (segment
type ``sine``, ~150 Hz, a few hundred ms, annotated from its first to its last
sample). Nothing overlaps and no sound lies outside its annotation.
"""

from __future__ import annotations

import numpy as np

from .annotations import Annotations

SONG_TYPES = {"pulse": "event", "sine": "segment"}
NOISE_STD = 0.005
PULSE_AMPLITUDE = 0.6
PULSE_SIGMA_SECONDS = 0.002
PULSE_HALF_WIDTH_SECONDS = 3 * PULSE_SIGMA_SECONDS  # a pulse is silent beyond 3 sigma of its centre
SINE_AMPLITUDE = 0.3
SINE_RAMP_SECONDS = 0.005
MIN_SAMPLERATE = 1000  # the highest tone (400 Hz pulses) must stay below Nyquist


def synthetic_song(
    duration_seconds: float = 10.0, samplerate: float = 10_000, seed: int = 0
) -> tuple[np.ndarray, float, Annotations]:
    """Return ``(samples float32 [n, 1], samplerate, annotations)`` of a random fly-like song.

    The same ``seed`` gives the same song. Annotation times fall on sample
    times (``index / samplerate``), so they match the sound exactly.
    """
    if samplerate < MIN_SAMPLERATE:
        raise ValueError(f"samplerate must be at least {MIN_SAMPLERATE} Hz, not {samplerate}")
    if not duration_seconds > 0:
        raise ValueError(f"duration_seconds must be positive, not {duration_seconds}")
    rng = np.random.default_rng(seed)
    n = int(round(duration_seconds * samplerate))
    samples = rng.normal(0.0, NOISE_STD, n)
    names: list[str] = []
    starts: list[float] = []
    stops: list[float] = []

    cursor = int(rng.uniform(0.1, 0.3) * samplerate)
    while True:
        make_bout = _pulse_train if rng.random() < 0.5 else _sine_segment
        first, last, sound, rows = make_bout(rng, samplerate, cursor)
        if last >= n:
            break
        samples[first : last + 1] += sound
        for name, start, stop in rows:
            names.append(name)
            starts.append(start / samplerate)
            stops.append(stop / samplerate)
        cursor = last + 1 + int(rng.uniform(0.15, 0.5) * samplerate)

    samples = np.clip(samples, -1.0, 1.0).astype(np.float32)[:, np.newaxis]
    annotations = Annotations.from_rows(names, starts, stops, song_types=SONG_TYPES)
    return samples, float(samplerate), annotations


def _pulse_train(rng, samplerate: float, cursor: int):
    """Gaussian-windowed cosines (carrier 250-400 Hz) every 30-45 ms, peak at each annotated centre."""
    carrier = rng.uniform(250, 400)
    interval = int(rng.uniform(0.030, 0.045) * samplerate)
    half_width = int(np.ceil(PULSE_HALF_WIDTH_SECONDS * samplerate))
    centres = cursor + half_width + interval * np.arange(rng.integers(4, 13))
    t = np.arange(-half_width, half_width + 1) / samplerate
    pulse = PULSE_AMPLITUDE * np.cos(2 * np.pi * carrier * t) * np.exp(-0.5 * (t / PULSE_SIGMA_SECONDS) ** 2)
    first, last = centres[0] - half_width, centres[-1] + half_width
    sound = np.zeros(last - first + 1)
    for centre in centres:
        sound[centre - half_width - first : centre + half_width + 1 - first] += pulse
    return first, last, sound, [("pulse", c, c) for c in centres]


def _sine_segment(rng, samplerate: float, cursor: int):
    """A 140-160 Hz tone of 0.2-0.6 s with short cosine ramps, annotated from first to last sample."""
    n = int(rng.uniform(0.2, 0.6) * samplerate)
    t = np.arange(n) / samplerate
    ramp = np.minimum(1.0, np.minimum(t, t[::-1]) / SINE_RAMP_SECONDS)
    envelope = 0.5 - 0.5 * np.cos(np.pi * ramp)
    sound = SINE_AMPLITUDE * envelope * np.sin(2 * np.pi * rng.uniform(140, 160) * t)
    first, last = cursor, cursor + n - 1
    return first, last, sound, [("sine", first, last)]
