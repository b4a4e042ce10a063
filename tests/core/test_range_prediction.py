"""Predicting a time range finds what predicting the whole recording finds there, starting in the range."""

from __future__ import annotations

import numpy as np
import pytest
from predict_helpers import amplitude_network, stereo_fly

from napari_deepss.audio import load_audio
from napari_deepss.postprocess import PostprocessOptions
from napari_deepss.prediction import predict
from napari_deepss.range_prediction import predict_range

RATE = 2500.0


@pytest.fixture(scope="module")
def recording(fly_wav, tmp_path_factory):
    """Twelve seconds of real fly song on two channels: pulses drive the event class, loud stretches the segments."""
    samples, rate = load_audio(stereo_fly(fly_wav, tmp_path_factory.mktemp("stereo")))
    return samples / np.percentile(np.abs(samples), 99.5), rate


def test_a_range_gets_what_the_whole_recording_gets_there(recording):
    samples, rate = recording
    model, params = amplitude_network(rate=RATE)
    options = PostprocessOptions(event_thres=0.3, segment_thres=0.3)
    whole = predict(samples, model, samplerate=rate, params=params, options=options, keep_probabilities=True)
    assert len(whole.events["pulse"]) > 20 and len(whole.segments["syll"]) > 5
    part, start = predict_range(samples, model, (4.0, 8.0), samplerate=rate, params=params, options=options,
                                keep_probabilities=True)
    assert start == 4.0 and part.duration_seconds == whole.duration_seconds
    expected = whole.events["pulse"][(whole.events["pulse"] >= 4.0) & (whole.events["pulse"] < 8.0)]
    np.testing.assert_allclose(part.events["pulse"], expected, atol=1e-9)
    syllables = whole.segments["syll"]
    np.testing.assert_allclose(part.segments["syll"], syllables[(syllables[:, 0] >= 4) & (syllables[:, 0] < 8)],
                               atol=1e-9)
    np.testing.assert_allclose(part.probabilities, whole.probabilities[int(4 * rate):int(8 * rate)], atol=1e-6)


def test_a_range_outside_the_recording_is_an_error(recording):
    samples, rate = recording
    model, params = amplitude_network(rate=RATE)
    with pytest.raises(ValueError, match="holds none of the 12 s recording"):
        predict_range(samples, model, (20.0, 30.0), samplerate=rate, params=params)
