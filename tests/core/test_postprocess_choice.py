"""The post-processing choice on real annotations: targets turned back into annotations, and a choice that helps.

The "network output" is a bird dataset's real targets with the faults the
issue measured on real predictions: syllables fragmented by short dropouts,
short false detections between syllables, a stretch of a wrong song type
inside syllables, and boundaries 1 ms late. No TensorFlow.
"""

from __future__ import annotations

import numpy as np
import pytest
from recordings import copy_recordings

from napari_deepss import make_dataset
from napari_deepss.annotations import read_annotations
from napari_deepss.dataset.store import open_dataset, split_pieces
from napari_deepss.evaluate import score_annotations
from napari_deepss.postprocess import PostprocessOptions, postprocess
from napari_deepss.postprocess_choice import RecordingSummary, choose_postprocessing, duration_grid
from napari_deepss.target_annotations import annotations_of, targets_as_annotations

STEMS = ["bird0_003", "bird0_005", "bird0_010", "bird0_012", "bird0_020", "bird0_021", "bird0_030", "bird0_031"]
GAP = 0.004


@pytest.fixture(scope="module")
def bird_store(bird_dir, tmp_path_factory):
    folder = tmp_path_factory.mktemp("birds")
    data = copy_recordings(bird_dir, folder / "data", STEMS)
    store = make_dataset(data, folder / "birds.npy", gap_seconds=GAP, train=0.5, val=0.25, test=0.25,
                         train_by="files", val_by="files", test_by="files", seed=1).store_folder
    attrs, splits = open_dataset(store)
    return attrs, splits


def test_targets_give_back_the_annotations_they_were_made_from(bird_store):
    attrs, splits = bird_store
    rate = attrs["samplerate_y_Hz"]
    name, start, stop = split_pieces(attrs, "val")[0]
    y = splits["val"].y[:stop - start]
    restored = targets_as_annotations(y, attrs["class_names"], attrs["class_types"], rate, GAP).segments()
    cut = targets_as_annotations(y, attrs["class_names"], attrs["class_types"], rate).segments()
    truth = read_annotations(f"{attrs['data_folder']}/{name}_annotations.csv").segments()
    assert sum(map(len, restored.values())) == sum(map(len, truth.values())) > 10
    for song_type, times in truth.items():
        np.testing.assert_allclose(restored[song_type], times, atol=1.01 / rate)  # within a sample
        shift = (cut[song_type] - times) * 1000
        assert np.allclose(shift[:, 0], 2.0, atol=0.05) and np.allclose(shift[:, 1], -2.0, atol=0.05)  # half the gap


def _faulty(y: np.ndarray, rate: float, seed: int) -> np.ndarray:
    """The targets as a network that fragments, adds short detections, mislabels a little and is 1 ms late."""
    rng = np.random.default_rng(seed)
    p = np.asarray(y, dtype=np.float32).copy()
    p = np.concatenate([np.repeat(p[:1], int(0.001 * rate), axis=0), p[:-int(0.001 * rate)]])  # 1 ms late
    song = p[:, 1:].sum(axis=1) > 0.5
    inside, outside = np.flatnonzero(song), np.flatnonzero(~song)
    for start in rng.choice(inside, size=len(inside) // 2000, replace=False):  # 1-2 ms holes in syllables
        p[start:start + int(rng.integers(32, 64))] = np.eye(p.shape[1])[0]
    for start in rng.choice(outside, size=len(outside) // 20000, replace=False):  # 3 ms false detections
        p[start:start + 96] = np.eye(p.shape[1])[1 + int(rng.integers(p.shape[1] - 1))]
    for start in rng.choice(inside, size=len(inside) // 8000, replace=False):  # 2 ms of a wrong song type
        rows = slice(start, start + 64)
        p[rows] = np.roll(p[rows], 1, axis=1) * (p[rows, :1] < 0.5) + p[rows] * (p[rows, :1] >= 0.5)
    return p


def test_the_choice_fills_fragments_drops_blips_and_removes_the_delay(bird_store):
    attrs, splits = bird_store
    names, types, rate = attrs["class_names"], attrs["class_types"], attrs["samplerate_x_Hz"]
    y = splits["val"].y
    truth = targets_as_annotations(y, names, types, rate, GAP)
    probabilities = _faulty(y, rate, seed=0)
    summary = RecordingSummary(names, types, truth)
    for start in range(0, len(probabilities), 100_000):  # summaries are fed in blocks, like predictions
        summary.add(probabilities[start:start + 100_000])
    choice = choose_postprocessing([summary], rate, fill_gaps=duration_grid(0.0005, 1.0, 20),
                                   min_lens=duration_grid(0.0005, 1.0, 20))
    before, after, chosen = choice.before["segments"], choice.after["segments"], choice.options
    assert before["syllable_error_rate"] > 0.3 and before["onset_f1"] < 0.7  # the faults matter
    assert after["score"] > before["score"] + 0.2 and after["syllable_error_rate"] < 0.05
    assert 0.002 <= chosen.segment_fillgap <= 0.05 and 0.003 < chosen.segment_minlen <= 0.03
    # a median 1 ms delay plus the 2 ms the gap cut takes off: both boundaries move back
    assert chosen.segment_onset_shift == pytest.approx(-0.003, abs=0.0002)
    assert chosen.segment_offset_shift == pytest.approx(0.001, abs=0.0002)
    assert after["median_onset_error_seconds"] < 0.0002 and after["median_offset_error_seconds"] < 0.0002
    assert "events" not in choice.after  # no event types: their options keep the defaults
    assert (chosen.event_thres, chosen.event_dist) == (0.5, 0.01)
    # what prediction does with the chosen options scores what the choice says
    events, segments = postprocess(probabilities, names, types, rate, chosen)
    scores = score_annotations(truth, annotations_of(events, segments, names, types)).to_dict()
    assert scores["segment_onsets"]["f1"] == pytest.approx(after["onset_f1"])
    assert scores["syllables"]["syllable_error_rate"] == pytest.approx(after["syllable_error_rate"])
    # and the choice carries over to the test recording, which it never saw
    y_test = splits["test"].y
    test_truth = targets_as_annotations(y_test, names, types, rate, GAP)
    faulty = _faulty(y_test, rate, seed=1)
    defaults, chosen_scores = (score_annotations(test_truth, annotations_of(*postprocess(
        faulty, names, types, rate, options), names, types)).to_dict() for options in (PostprocessOptions(), chosen))
    assert chosen_scores["segment_onsets"]["f1"] > defaults["segment_onsets"]["f1"] + 0.2
    assert chosen_scores["syllables"]["label_accuracy"] > 0.97


def test_events_get_the_threshold_that_scores_best(fly_wav, tmp_path):
    """Fly pulses: peaks of 0.9 at the true pulses, and blips up to 0.7 between them that the default 0.5 takes."""
    from predict_helpers import fly_slice

    store = make_dataset(fly_slice(fly_wav, tmp_path / "data").parent, tmp_path / "fly.npy",
                         event_std_seconds=0.002, seed=0).store_folder
    attrs, splits = open_dataset(store)
    names, types, rate = attrs["class_names"], attrs["class_types"], attrs["samplerate_x_Hz"]
    y = np.asarray(splits["val"].y, dtype=np.float32)
    truth = targets_as_annotations(y, names, types, rate)
    rng = np.random.default_rng(3)
    pulse = np.maximum(0.9 * y[:, 1], rng.uniform(0, 0.7, len(y)) * (rng.random(len(y)) < 0.02))
    summary = RecordingSummary(names, types, truth)
    summary.add(np.stack([1 - pulse, pulse], axis=1))
    choice = choose_postprocessing([summary], rate, fill_gaps=[0.0], min_lens=[0.0])
    assert len(truth.events()["pulse"]) > 10 and "segments" not in choice.after
    assert choice.before["events"]["f1"] < 0.8 and choice.after["events"]["f1"] > 0.97
    assert 0.7 <= choice.options.event_thres <= 0.9
    assert choice.options.segment_fillgap == 0 and choice.options.segment_minlen == 0  # no segment types
