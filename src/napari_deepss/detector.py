"""Proposals before any network exists: song found where the signal's envelope rises above a threshold.

The envelope is the root mean square of the (optionally band-passed) signal
in a Gaussian window (its standard deviation: ``smoothing`` seconds), averaged
over channels, as in the DeepSS GUI's threshold mode. The threshold is given
in multiples of the recording's noise level, the median of its envelope
(:func:`noise_level`), so one value suits loud and quiet recordings alike.

Events and segments come out of the post-processing of network outputs
(:class:`~napari_deepss.postprocess.Postprocessor`), fed the envelope divided
by the threshold instead of a class probability, with thresholds of 1: events
are peaks reaching the threshold at least ``event_dist`` apart (the higher
peak wins); segments are stretches above it, gaps shorter than
``segment_fillgap`` filled, stretches shorter than ``segment_minlen`` dropped.
A range is detected with a margin and keeps what starts in it, like predicted
proposals (:mod:`napari_deepss.range_prediction`). A long job
(:mod:`napari_deepss.jobs`) that reads the recording block by block.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

import numpy as np

from .annotations import Annotations
from .bandpass import BandPass
from .jobs import Progress, ProgressCallback, check_stop
from .options import Options, option
from .postprocess import Postprocessor, PostprocessOptions
from .proposals import starts_in

BLOCK_SECONDS = 10.0
#: the noise level is the median envelope of at most this many blocks spread over the recording
NOISE_BLOCKS = 30
_WINDOW_STDS = 3  # the Gaussian window reaches this many standard deviations to each side


@dataclass(frozen=True)
class DetectorOptions(Options):
    """How the envelope is made and thresholded; DeepSS GUI's smoothing and distance as defaults."""

    threshold: float = option(4.0, "Threshold (× noise level)", "Song is where the envelope exceeds this many times "
                              "the noise level (the median envelope of the recording).", minimum=0.0, step=0.1)
    smoothing: float = option(0.002, "Envelope smoothing (s)", "Standard deviation (seconds) of the Gaussian window "
                              "in which the envelope (root mean square) is taken; shorter than the song's "
                              "shortest sound.", minimum=0.0, step=0.0005)
    event_dist: float = option(0.02, "Min. event distance (s)", "Events: of two peaks closer than this (seconds), "
                               "only the higher is kept.", minimum=0.0, step=0.001)
    segment_fillgap: float = option(0.01, "Fill gaps shorter than (s)", "Segments: join stretches above the "
                                    "threshold separated by less than this (seconds).", minimum=0.0, step=0.001)
    segment_minlen: float = option(0.02, "Drop segments shorter than (s)", "Segments: remove stretches shorter than "
                                   "this (seconds).", minimum=0.0, step=0.001)
    low_hz: float | None = option(None, "Band-pass from (Hz)", "Filter out frequencies below this first (empty: "
                                  "no lower edge).", minimum=0.0)
    high_hz: float | None = option(None, "Band-pass up to (Hz)", "Filter out frequencies above this first (empty: "
                                   "no upper edge).", minimum=0.0)

    def __post_init__(self):
        self.check_values()

    @property
    def bandpass(self) -> BandPass:
        return BandPass(self.low_hz or None, self.high_hz or None)

    def check(self, samplerate: float) -> None:
        """ValueError naming the option when the band-pass does not fit the recording's rate."""
        try:
            self.bandpass.check(samplerate)
        except ValueError as err:
            raise ValueError(f"low_hz/high_hz: {err}") from None


def envelope(samples: np.ndarray, samplerate: float, options: DetectorOptions, start: int = 0,
             stop: int | None = None) -> np.ndarray:
    """The envelope of ``samples[start:stop]`` ([n] or [n, channels]) as float32, computed with its margin."""
    x = np.asarray(samples)
    x = x[:, np.newaxis] if x.ndim == 1 else x
    stop = len(x) if stop is None else min(stop, len(x))
    margin = int(np.ceil(_WINDOW_STDS * options.smoothing * samplerate)) + 1
    first, last = max(start - margin, 0), min(stop + margin, len(x))
    power = np.zeros(last - first)
    for channel in range(x.shape[1]):
        filtered = options.bandpass.excerpt(x[:, channel], first, last, samplerate).astype(np.float64)
        power += filtered**2
    power /= x.shape[1]
    std = options.smoothing * samplerate
    if std >= 0.5:
        from scipy.ndimage import gaussian_filter1d

        power = gaussian_filter1d(power, std, mode="constant", truncate=_WINDOW_STDS)
    return np.sqrt(np.maximum(power[start - first:stop - first], 0.0)).astype(np.float32)


def noise_level(samples: np.ndarray, samplerate: float, options: DetectorOptions) -> float:
    """The median envelope of the recording (of up to ``NOISE_BLOCKS`` blocks spread evenly over it)."""
    n = len(samples)
    block = int(BLOCK_SECONDS * samplerate)
    starts = np.unique(np.linspace(0, max(n - block, 0), num=min(NOISE_BLOCKS, -(-n // block))).astype(int))
    level = float(np.median(np.concatenate([envelope(samples, samplerate, options, a, a + block) for a in starts])))
    return level if level > 0 else float(np.finfo(np.float32).tiny)


def detect(
    samples: np.ndarray,
    samplerate: float,
    song_type: str,
    kind: str,
    options: DetectorOptions | None = None,
    *,
    time_range: tuple[float, float] | None = None,
    noise: float | None = None,
    progress: ProgressCallback | None = None,
    stop: threading.Event | None = None,
) -> Annotations:
    """Events or segments (``kind``) of ``song_type`` found in ``samples`` (in ``time_range`` seconds, else all).

    ``noise``: the recording's noise level (default: :func:`noise_level`; pass
    it to detect several ranges of one recording alike). ``progress`` counts
    samples; setting ``stop`` raises :class:`~napari_deepss.jobs.Stopped`.
    """
    options = options or DetectorOptions()
    options.check(samplerate)
    duration = len(samples) / samplerate
    start, stop_time = (0.0, duration) if time_range is None else (max(0.0, time_range[0]), min(duration, time_range[1]))
    noise = noise_level(samples, samplerate, options) if noise is None else noise
    margin = int(np.ceil((_WINDOW_STDS * options.smoothing + options.event_dist + options.segment_fillgap
                          + options.segment_minlen) * samplerate)) + 1  # what decides about the range's edges
    first, last = max(int(start * samplerate) - margin, 0), min(int(np.ceil(stop_time * samplerate)) + margin,
                                                                len(samples))
    post = Postprocessor(["noise", song_type], ["segment", kind], samplerate, PostprocessOptions(
        event_thres=1.0, event_dist=options.event_dist, segment_thres=1.0, segment_fillgap=options.segment_fillgap,
        segment_minlen=options.segment_minlen))
    block = int(BLOCK_SECONDS * samplerate)
    for a in range(first, last, block):
        score = envelope(samples, samplerate, options, a, min(a + block, last)) / (options.threshold * noise)
        post.add(np.stack([np.zeros_like(score), score], axis=1))
        if progress is not None:
            progress(Progress(min(a + block, last) - first, last - first, f"detecting {song_type}"))
        check_stop(stop, f"detecting {song_type} was stopped; nothing was added")
    events, segments = post.finish()
    offset = first / samplerate
    times = events[song_type][:, np.newaxis].repeat(2, axis=1) if kind == "event" else segments[song_type]
    table = Annotations([song_type] * len(times), times[:, 0] + offset, times[:, 1] + offset,
                        song_types={song_type: kind})
    keep = starts_in(table, start, stop_time)
    return Annotations([song_type] * int(keep.sum()), table.start_seconds[keep], table.stop_seconds[keep],
                       song_types={song_type: kind})
