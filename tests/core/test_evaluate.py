"""Metrics against hand-computed counts."""

from __future__ import annotations

import math

import numpy as np
import pytest

from napari_deepss.annotations import Annotations, write_annotations
from napari_deepss.evaluate import (
    MatchScores,
    edit_distance,
    evaluate_files,
    majority_labels,
    match_times,
    score_annotations,
    segment_labels,
)


def test_matching_is_one_to_one_within_the_tolerance():
    true = [1.000, 2.000, 3.000, 3.015]
    pred = [1.009, 1.010, 2.011, 3.005, 5.0]
    # 1.000 <-> 1.009 (1.010 is left over: one-to-one); 2.011 is 11 ms off; 3.000 <-> 3.005; 3.015 has nothing left
    i, j = match_times(true, pred, 0.01)
    assert list(zip(i, j)) == [(0, 0), (2, 3)]
    scores = MatchScores.of(true, pred, 0.01)
    assert (scores.true_positives, scores.false_positives, scores.false_negatives) == (2, 3, 2)
    assert scores.precision == pytest.approx(2 / 5)
    assert scores.recall == pytest.approx(2 / 4)
    assert scores.f1 == pytest.approx(2 * 2 / (2 * 2 + 3 + 2))
    np.testing.assert_allclose(sorted(scores.deviations), [0.005, 0.009])


def test_matching_finds_the_largest_matching_not_the_nearest_pairs():
    # nearest-first would pair 1.006 with 1.004 and leave 0.999 unmatched
    i, _ = match_times([0.999, 1.006], [1.004, 1.012], 0.01)
    assert len(i) == 2


def test_a_pair_exactly_at_the_tolerance_matches():
    assert MatchScores.of([0.3], [0.31], 0.01).true_positives == 1


def test_scores_of_recordings_add_up_and_undefined_ratios_are_nan():
    empty = MatchScores.of([], [], 0.01)
    assert math.isnan(empty.precision) and math.isnan(empty.recall) and math.isnan(empty.f1)
    total = MatchScores.of([1.0], [1.0], 0.01) + MatchScores.of([2.0, 3.0], [], 0.01)
    assert (total.true_positives, total.false_positives, total.false_negatives) == (1, 0, 2)
    assert total.precision == 1.0 and total.recall == pytest.approx(1 / 3)


@pytest.mark.parametrize(
    "a, b, expected",
    [("", "", 0), ("abc", "", 3), ("", "ab", 2), ("kitten", "sitting", 3), ("abcab", "acabb", 2),
     (["s1", "s2"], ["s2", "s1"], 2)],
)
def test_edit_distance(a, b, expected):
    assert edit_distance(a, b) == expected


def test_majority_label_counts_the_uncovered_part_as_noise():
    true = np.array([[0.0, 1.0], [2.0, 3.0], [4.0, 5.0]])
    pred = np.array([[0.0, 0.3], [0.3, 1.0], [2.0, 2.4], [4.5, 4.9]])
    labels = majority_labels(true, pred, ["b", "a", "a", "a"])
    # [0,1]: a 0.7 > b 0.3; [2,3]: noise 0.6 > a 0.4; [4,5]: a 0.4 < noise 0.6
    assert labels == ["a", "noise", "noise"]


def _table(rows):
    names, starts, stops = zip(*rows)
    return Annotations(list(names), starts, stops)


def test_score_annotations_hand_counted():
    true = _table([
        ("pulse", 0.10, 0.10), ("pulse", 0.50, 0.50), ("pulse", 0.90, 0.90),
        ("syll_a", 1.00, 1.20), ("syll_b", 1.30, 1.50), ("syll_a", 1.60, 1.80), ("syll_b", 2.00, 2.20),
    ])
    pred = _table([
        ("pulse", 0.105, 0.105), ("pulse", 0.70, 0.70), ("pulse", 0.895, 0.895),
        ("syll_a", 1.005, 1.195),  # onset and offset within 10 ms, right label
        ("syll_a", 1.30, 1.45),    # wrong label; offset 50 ms early
        ("syll_a", 1.62, 1.80),    # onset 20 ms late
        # syll_b at 2.0 missed
        ("syll_b", 2.50, 2.60),    # spurious
    ])
    scores = score_annotations(true, pred, tolerance=0.01)
    pulse = scores.events["pulse"]
    assert (pulse.true_positives, pulse.false_positives, pulse.false_negatives) == (2, 1, 1)
    assert (scores.onsets.true_positives, scores.onsets.false_positives, scores.onsets.false_negatives) == (2, 2, 2)
    assert (scores.offsets.true_positives, scores.offsets.false_positives, scores.offsets.false_negatives) == (2, 2, 2)
    # typed correctly: syll_a@1.0 and syll_a@1.6; syll_b@1.3 -> syll_a, syll_b@2.0 -> noise
    assert scores.syllables.n_true == 4 and scores.syllables.n_correctly_typed == 2
    # true a b a b vs predicted a a a b: one substitution
    assert scores.syllables.edit_distance == 1
    assert scores.syllables.error_rate == pytest.approx(0.25)
    report = scores.to_dict()
    assert report["events"]["pulse"]["f1"] == pytest.approx(2 * 2 / (4 + 1 + 1))
    assert report["syllables"]["label_accuracy"] == pytest.approx(0.5)
    assert report["segment_onsets"]["median_abs_deviation_seconds"] == pytest.approx(0.0025)


def test_scores_of_two_recordings_add_up():
    a = _table([("pulse", 1.0, 1.0), ("syll_a", 1.0, 2.0)])
    b = _table([("pulse", 3.0, 3.0), ("syll_b", 1.0, 2.0)])
    total = score_annotations(a, a) + score_annotations(b, _table([("syll_a", 1.0, 2.0)]))
    assert total.events["pulse"].true_positives == 1 and total.events["pulse"].false_negatives == 1
    assert total.syllables.n_true == 2 and total.syllables.n_correctly_typed == 1
    assert total.syllables.edit_distance == 1 and total.onsets.true_positives == 2


def test_placeholders_are_not_scored():
    true = Annotations.from_rows(["syll_a"], [1.0], [2.0], song_types={"syll_a": "segment", "pulse": "event"})
    scores = score_annotations(true, true)
    assert scores.events["pulse"].to_dict()["true_positives"] == 0
    assert scores.syllables.label_accuracy == 1.0 and scores.syllables.error_rate == 0.0


def test_crop_keeps_what_lies_in_the_window_and_cuts_segments():
    table = _table([("pulse", 0.5, 0.5), ("pulse", 1.5, 1.5), ("syll_a", 0.8, 1.2), ("syll_a", 1.8, 2.5),
                    ("syll_b", 3.0, 3.5)])
    cropped = table.cropped(1.0, 2.0)
    assert cropped.names == ["pulse", "syll_a", "syll_a", "syll_b"]  # syll_b keeps a placeholder
    np.testing.assert_allclose(cropped.start_seconds[:3], [0.5, 0.0, 0.8])
    np.testing.assert_allclose(cropped.stop_seconds[:3], [0.5, 0.2, 1.0])
    assert cropped.is_placeholder[3]


def test_segment_labels_mark_first_to_last_sample():
    table = _table([("syll_a", 0.002, 0.004), ("syll_b", 0.007, 0.008)])
    labels = segment_labels(table, ["noise", "syll_a", "syll_b"], 1000.0, 10)
    assert labels.tolist() == [0, 0, 1, 1, 1, 0, 0, 2, 2, 0]


def test_evaluate_files_adds_up_recordings_and_compares_samples(tmp_path):
    true = _table([("syll_a", 0.010, 0.019), ("pulse", 0.05, 0.05)])
    pred = _table([("syll_a", 0.010, 0.015), ("syll_b", 0.015, 0.019), ("pulse", 0.052, 0.052)])
    pairs = []
    for i in range(2):
        pairs.append((tmp_path / f"r{i}_annotations.csv", tmp_path / f"r{i}_predicted.csv"))
        write_annotations(true, pairs[-1][0])
        write_annotations(pred, pairs[-1][1])
    report = evaluate_files(pairs, tolerance=0.01).to_dict()
    assert report["recordings"] == 2
    assert report["events"]["pulse"]["true_positives"] == 2
    assert report["segment_onsets"]["true_positives"] == 2 and report["segment_onsets"]["false_positives"] == 2
    assert report["syllables"]["n_true"] == 2 and report["syllables"]["n_correctly_typed"] == 2  # a covers 5 ms, b 4 ms
    samples = report["samples"]
    assert samples["class_names"] == ["noise", "syll_a", "syll_b"]
    # per recording 53 samples (0..52 ms, the last annotation): syll_a true on 10..19;
    # predicted a on 10..14, b on 15..19 (the later row wins sample 15)
    assert samples["confusion_matrix"] == [[86, 0, 0], [0, 10, 10], [0, 0, 0]]
    assert samples["report"]["syll_a"]["recall"] == pytest.approx(0.5)


def test_onsets_and_offsets_are_scored_separately():
    scores = score_annotations(_table([("syll_a", 1.0, 1.2)]), _table([("syll_a", 1.005, 1.3)]))
    assert (scores.onsets.true_positives, scores.onsets.false_positives) == (1, 0)
    assert (scores.offsets.true_positives, scores.offsets.false_positives, scores.offsets.false_negatives) == (0, 1, 1)
