"""The synthetic song: its annotations lie exactly on the sound, and nowhere else is anything but noise."""

from __future__ import annotations

import numpy as np
import pytest

from napari_deepss.synthetic import NOISE_STD, PULSE_HALF_WIDTH_SECONDS, synthetic_song


@pytest.fixture(scope="module")
def song():
    return synthetic_song(duration_seconds=10.0, samplerate=10_000, seed=0)


def test_shape_rate_and_song_types(song):
    samples, rate, annotations = song
    assert samples.shape == (100_000, 1) and samples.dtype == np.float32 and rate == 10_000
    assert annotations.song_types == {"pulse": "event", "sine": "segment"}
    assert len(annotations.events()["pulse"]) >= 10 and len(annotations.segments()["sine"]) >= 2
    assert not annotations.is_placeholder.any()


def test_annotations_are_in_time_order_without_overlap_and_inside_the_recording(song):
    samples, rate, annotations = song
    order = np.argsort(annotations.start_seconds, kind="stable")
    starts, stops = annotations.start_seconds[order], annotations.stop_seconds[order]
    assert (order == np.arange(len(order))).all()
    assert starts[0] > 0 and stops[-1] < len(samples) / rate
    # each annotation (pulses widened by their half width) ends before the next begins
    pulse = np.array([name == "pulse" for name in np.asarray(annotations.names)[order]])
    margin = np.where(pulse, PULSE_HALF_WIDTH_SECONDS, 0)
    assert (stops[:-1] + margin[:-1] < starts[1:] - margin[1:]).all()


def test_pulses_peak_at_their_annotated_centre(song):
    samples, rate, annotations = song
    x = samples[:, 0]
    for t in annotations.events()["pulse"]:
        centre = int(round(t * rate))
        assert centre == pytest.approx(t * rate, abs=1e-6)  # annotation times fall on samples
        window = np.abs(x[centre - 20 : centre + 21])
        assert abs(np.argmax(window) - 20) <= 1  # noise may lift a neighbour of the peak
        assert abs(x[centre]) > 50 * NOISE_STD


def test_sine_segments_are_loud_from_start_to_stop(song):
    samples, rate, annotations = song
    x = samples[:, 0]
    for start, stop in annotations.segments()["sine"]:
        first, last = int(round(start * rate)), int(round(stop * rate))
        inner = x[first + 50 : last - 50]  # past the 5 ms ramps
        assert np.sqrt(np.mean(inner**2)) > 30 * NOISE_STD
        spectrum = np.abs(np.fft.rfft(inner))
        peak_hz = np.fft.rfftfreq(len(inner), 1 / rate)[np.argmax(spectrum)]
        assert 135 < peak_hz < 165


def test_outside_the_annotations_there_is_only_noise(song):
    samples, rate, annotations = song
    x = samples[:, 0]
    song_mask = np.zeros(len(x), bool)
    half = int(np.ceil(PULSE_HALF_WIDTH_SECONDS * rate))
    for t in annotations.events()["pulse"]:
        centre = int(round(t * rate))
        song_mask[centre - half : centre + half + 1] = True
    for start, stop in annotations.segments()["sine"]:
        song_mask[int(round(start * rate)) : int(round(stop * rate)) + 1] = True
    quiet = x[~song_mask]
    assert len(quiet) > len(x) / 3
    assert np.std(quiet) == pytest.approx(NOISE_STD, rel=0.1)
    assert np.abs(quiet).max() < 6 * NOISE_STD


def test_seed_makes_it_reproducible():
    a, _, ann_a = synthetic_song(duration_seconds=3.0, seed=1)
    b, _, ann_b = synthetic_song(duration_seconds=3.0, seed=1)
    c, _, ann_c = synthetic_song(duration_seconds=3.0, seed=2)
    np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(ann_a.start_seconds, ann_b.start_seconds)
    assert not np.array_equal(ann_a.start_seconds, ann_c.start_seconds)


def test_other_rates_and_a_too_short_song_keep_both_song_types():
    samples, rate, annotations = synthetic_song(duration_seconds=0.2, samplerate=2500)
    assert samples.shape == (500, 1) and rate == 2500
    assert annotations.song_types == {"pulse": "event", "sine": "segment"}
    assert annotations.is_placeholder.all()


@pytest.mark.parametrize(("kwargs", "problem"), [({"samplerate": 500}, "samplerate"), ({"duration_seconds": 0}, "duration")])
def test_bad_arguments(kwargs, problem):
    with pytest.raises(ValueError, match=problem):
        synthetic_song(**kwargs)
