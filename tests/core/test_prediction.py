"""predict(): chunking without seams, resampling, times inside the recording, kept probabilities."""

from __future__ import annotations

import threading

import numpy as np
import pytest
from predict_helpers import amplitude_network, train_tiny_fly_network

from napari_deepss.errors import FileFormatError
from napari_deepss.postprocess import PostprocessOptions
from napari_deepss.chunk_layout import ChunkLayout
from napari_deepss.jobs import Stopped
from napari_deepss.prediction import predict

RATE = 1000.0
PULSES = [0, 56, 104, 500, 999]  # recording start, two chunk seams (64-sample chunks, padding 8), end
SYLLABLES = [(200, 300), (600, 700), (900, 960)]


def _song(rate: float = RATE) -> np.ndarray:
    """1 s of two channels: triangular pulses (peak 1) on channel 0, boxes of syllables on channel 1."""
    scale = rate / RATE
    t = np.arange(int(RATE * scale))
    x = np.zeros((len(t), 2), dtype=np.float32)
    for p in PULSES:
        x[:, 0] = np.maximum(x[:, 0], 1 - np.abs(t - p * scale) / (3 * scale))
    for a, b in SYLLABLES:
        x[int(a * scale):int(b * scale), 1] = 1
    return x


def _softmax_of_amplitude(x: np.ndarray) -> np.ndarray:
    logits = np.stack([np.zeros(len(x)), 20 * x[:, 0] - 10, 20 * x[:, 1] - 10], axis=1)
    e = np.exp(logits - logits.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


@pytest.fixture(scope="module")
def amplitude():
    return amplitude_network(nb_hist=64, rate=RATE, data_padding=8)


def test_events_and_segments_are_found_at_chunk_seams_and_recording_edges(amplitude):
    model, params = amplitude
    prediction = predict(_song(), model, samplerate=RATE, params=params, batch_size=4, keep_probabilities=True)
    np.testing.assert_allclose(prediction.events["pulse"], np.array(PULSES) / RATE)
    np.testing.assert_allclose(prediction.segments["syll"], np.array(SYLLABLES) / RATE - [0, 1 / RATE])
    # every sample predicted exactly once, by a chunk that sees it away from its edges
    np.testing.assert_allclose(prediction.probabilities, _softmax_of_amplitude(_song()), atol=1e-5)
    assert prediction.duration_seconds == 1.0 and prediction.samplerate == RATE


def test_a_segment_running_to_the_end_stops_at_the_last_sample(amplitude):
    model, params = amplitude
    song = np.zeros((1000, 2), dtype=np.float32)
    song[970:, 1] = 1
    prediction = predict(song, model, samplerate=RATE, params=params)
    np.testing.assert_allclose(prediction.segments["syll"], [[0.97, 0.999]])


def test_input_at_another_rate_is_resampled_to_the_networks(amplitude):
    model, params = amplitude
    prediction = predict(_song(2 * RATE), model, samplerate=2 * RATE, params=params, keep_probabilities=True)
    assert prediction.samplerate == RATE and len(prediction.probabilities) == RATE
    np.testing.assert_allclose(prediction.events["pulse"], np.array(PULSES) / RATE, atol=0.002)
    np.testing.assert_allclose(prediction.segments["syll"], np.array(SYLLABLES) / RATE, atol=0.002)
    for times in [prediction.events["pulse"], prediction.segments["syll"]]:
        assert times.min() >= 0 and times.max() <= prediction.duration_seconds


def test_probabilities_can_be_written_to_a_memory_map(amplitude, tmp_path):
    model, params = amplitude
    target = tmp_path / "probabilities.npy"
    prediction = predict(_song(), model, samplerate=RATE, params=params, keep_probabilities=target)
    assert isinstance(prediction.probabilities, np.memmap) and prediction.probabilities.dtype == np.float16
    np.testing.assert_allclose(np.load(target), _softmax_of_amplitude(_song()), atol=1e-3)  # float16 precision
    # the file and its description (rate, classes, dtype); no temporary left behind
    assert sorted(p.name for p in tmp_path.iterdir()) == ["probabilities.json", "probabilities.npy"]
    with pytest.raises(FileFormatError, match=r"\.npy"):
        predict(_song(), model, samplerate=RATE, params=params, keep_probabilities=tmp_path / "p.bin")


def test_progress_and_stop(amplitude, tmp_path):
    model, params = amplitude
    seen = []
    predict(_song(), model, samplerate=RATE, params=params, batch_size=4, progress=seen.append)
    assert len(seen) > 3 and (seen[-1].done, seen[-1].total) == (1000, 1000)
    assert np.all(np.diff([p.done for p in seen]) > 0)
    stop = threading.Event()
    stop.set()
    with pytest.raises(Stopped) as stopped:
        predict(_song(), model, samplerate=RATE, params=params, stop=stop, keep_probabilities=tmp_path / "p.npy")
    assert stopped.value.result is None
    assert list(tmp_path.iterdir()) == []  # the unfinished probabilities file is gone


def test_annotations_in_time_order_with_placeholders(amplitude):
    model, params = amplitude
    song = _song()
    song[:, 1] = 0  # no syllables
    table = predict(song, model, samplerate=RATE, params=params).annotations()
    assert table.names == ["pulse"] * len(PULSES) + ["syll"]
    np.testing.assert_allclose(table.start_seconds[:-1], np.array(PULSES) / RATE)
    assert table.song_types == {"pulse": "event", "syll": "segment"} and table.is_placeholder[-1]


def test_postprocessing_options_are_applied(amplitude):
    model, params = amplitude
    options = PostprocessOptions(event_dist=0.06, segment_minlen=0.07)  # pulses 56 and 104 ms apart; 60 ms syllable
    prediction = predict(_song(), model, samplerate=RATE, params=params, options=options)
    np.testing.assert_allclose(prediction.events["pulse"], [0.0, 0.104, 0.5, 0.999])
    assert len(prediction.segments["syll"]) == 2


def test_wrong_channel_count_and_missing_rate_are_named(amplitude):
    model, params = amplitude
    with pytest.raises(FileFormatError, match="1 channel.*trained on 2"):
        predict(np.zeros(100), model, samplerate=RATE, params=params)
    with pytest.raises(ValueError, match="samplerate"):
        predict(_song(), model, params=params)
    with pytest.raises(ValueError, match="params"):
        predict(_song(), model, samplerate=RATE)


def test_deepss_chunk_layout_keeps_each_sample_once():
    layout = ChunkLayout(nb_hist=64, padding=8, n_samples=1000, grid=True)
    covered, pieces = 0, []
    for start in layout.starts:
        a, b = layout.kept(int(start), covered)
        if b > a:
            pieces.append((start + a, start + b))
            covered = start + b
    assert pieces[0][0] == 0 and pieces[-1][1] == 1000
    assert all(p[1] == q[0] for p, q in zip(pieces, pieces[1:]))
    assert all(s + 8 <= a for (a, _), s in zip(pieces[1:], layout.starts[1:]))  # never a chunk's leading edge
    # DeepSS's layout: every chunk on the stride grid, the last one runs past the end
    assert np.all(layout.starts % 48 == 0) and layout.starts[-1] + 64 > 1000
    assert all(b - s <= 64 - 8 for (_, b), s in zip(pieces, layout.starts))  # never a chunk's trailing edge


@pytest.mark.parametrize(("nb_hist", "padding", "factor"), [(64, 8, 1), (256, 32, 16), (64, 24, 4)])
def test_our_chunk_layout_averages_overlapping_chunks_without_their_edges(nb_hist, padding, factor):
    layout = ChunkLayout(nb_hist=nb_hist, padding=padding, n_samples=1000, factor=factor)
    assert layout.hop == min(max(nb_hist // 4 // factor * factor, factor), nb_hist - 2 * padding)
    assert np.all(layout.starts[:-1] % factor == 0) and layout.starts[-1] == 1000 - nb_hist
    middle = np.zeros(1000)
    for start in layout.starts:
        weights = layout.window(int(start))
        assert np.all(weights[padding:nb_hist - padding] > 0) and weights.argmax() in (nb_hist // 2 - 1, nb_hist // 2)
        middle[start + padding:start + nb_hist - padding] += 1
    assert np.all(middle[padding:-padding] >= 1)  # every sample lies in some chunk's middle but at the very edges
    assert middle[padding:-padding].mean() > min(4, (nb_hist - 2 * padding) / layout.hop) - 1
    starts = layout.starts
    assert layout.window(0)[:padding].max() > 0 and layout.window(int(starts[1]))[:padding].max() == 0
    assert layout.window(int(starts[-1]))[-padding:].max() > 0


@pytest.mark.parametrize("overlap", [1, 2])
def test_a_smaller_chunk_overlap_runs_fewer_chunks(overlap):
    layout = ChunkLayout(nb_hist=256, padding=32, n_samples=10_000, overlap=overlap)
    assert layout.hop == (256 - 2 * 32 if overlap == 1 else 128)
    covered = np.zeros(10_000)
    for start in layout.starts:
        covered[start + 32:start + 256 - 32] += 1
    assert np.all(covered[32:-32] >= 1)  # every sample still in some chunk's middle
    work = len(layout.starts) * 256 / 10_000
    assert work == pytest.approx({1: 256 / 192, 2: 2.0}[overlap], rel=0.05)  # against 4 with the default
    with pytest.raises(ValueError, match="chunk_overlap must be one of 1, 2, 4, got 3"):
        PostprocessOptions(chunk_overlap=3)


@pytest.fixture(scope="module")
def tiny_network(fly_wav, tmp_path_factory):
    return train_tiny_fly_network(fly_wav, tmp_path_factory.mktemp("tiny"))


@pytest.mark.parametrize("overlap", [4, 2, 1])
def test_chunked_prediction_equals_one_pass_over_the_signal(tiny_network, overlap):
    """No seams: the trained network run chunk by chunk gives what one long pass gives (its context fits in its
    padding), with every chunk overlap."""
    import soundfile

    from napari_deepss.models import NetworkSpec, build_model
    from napari_deepss.training import load_model

    prefix, wav = tiny_network
    model, params = load_model(prefix)
    samples, rate = soundfile.read(wav, dtype="float32", frames=2000, always_2d=True)
    one_pass = build_model(NetworkSpec.from_options(params, nb_hist=len(samples)))
    one_pass.set_weights(model.get_weights())
    reference = one_pass.predict_on_batch(samples[np.newaxis])[0]
    chunked = predict(samples, prefix, samplerate=rate, batch_size=3, keep_probabilities=True,
                      options=PostprocessOptions(chunk_overlap=overlap)).probabilities
    assert len(chunked) == len(samples)
    np.testing.assert_allclose(chunked, reference, atol=1e-5)


def test_a_recording_file_shorter_than_a_chunk_and_a_long_one(tiny_network, tmp_path):
    import soundfile

    prefix, wav = tiny_network
    samples, rate = soundfile.read(wav, dtype="float32")
    short = tmp_path / "short.wav"
    soundfile.write(short, samples[:100], rate)
    prediction = predict(short, prefix, keep_probabilities=True)
    assert prediction.probabilities.shape == (100, 2)
    np.testing.assert_allclose(prediction.probabilities.sum(axis=1), 1, atol=1e-5)
    full = predict(wav, prefix)
    assert full.duration_seconds == pytest.approx(12.0)
    assert np.all((full.events["pulse"] >= 0) & (full.events["pulse"] <= 12.0))
