"""Events and segments from hand-made probability traces."""

from __future__ import annotations

import numpy as np
import pytest

from napari_deepss.postprocess import Postprocessor, PostprocessOptions, postprocess

RATE = 100.0  # 1 sample = 10 ms


def _event_probs(trace):
    """[samples, 2] probabilities: noise and one event class 'pulse'."""
    trace = np.asarray(trace, dtype=np.float32)
    return np.stack([1 - trace, trace], axis=1)


def _events(trace, **options):
    events, segments = postprocess(_event_probs(trace), ["noise", "pulse"], ["segment", "event"], RATE,
                                   PostprocessOptions(**options))
    assert segments == {}
    return events["pulse"]


def test_events_are_peaks_reaching_the_threshold():
    trace = np.zeros(100)
    trace[10] = 0.9   # peak
    trace[30] = 0.5   # exactly at threshold: kept (DeepSS: height >= thres)
    trace[50] = 0.49  # below
    trace[70:73] = [0.6, 0.8, 0.7]  # one peak at its maximum
    np.testing.assert_allclose(_events(trace), [0.10, 0.30, 0.71])


def test_events_closer_than_event_dist_keep_the_higher_peak():
    trace = np.zeros(100)
    trace[[10, 13, 40, 45, 60, 63]] = [0.7, 0.9, 0.8, 0.8, 0.9, 0.9]
    # 10/13 are 3 samples apart (< 5): 13 wins; 40/45 are exactly 5 apart: both stay;
    # 60/63 tie: the earlier stays.
    np.testing.assert_allclose(_events(trace, event_dist=0.05), [0.13, 0.40, 0.45, 0.60])
    np.testing.assert_allclose(_events(trace, event_dist=0.0), [0.10, 0.13, 0.40, 0.45, 0.60, 0.63])


def test_flat_top_is_one_peak_at_its_middle_and_recording_edges_count():
    trace = np.zeros(50)
    trace[20:25] = 1.0  # flat top of 5 samples -> sample 22
    trace[0] = 0.8      # rises from outside the recording
    trace[-2:] = 0.7    # flat top touching the end -> left middle 48
    np.testing.assert_allclose(_events(trace), [0.0, 0.22, 0.48])


def _segment_probs(song, labels, n_labels=2):
    """[samples, 1 + n_labels]: noise, then syllable classes; ``song`` probability on class ``labels``."""
    song = np.asarray(song, dtype=np.float32)
    probs = np.zeros((len(song), 1 + n_labels), dtype=np.float32)
    probs[:, 0] = 1 - song
    probs[np.arange(len(song)), 1 + np.asarray(labels)] = song
    return probs


NAMES = ["noise", "syll_a", "syll_b"]
TYPES = ["segment", "segment", "segment"]


def _segments(probs, **options):
    events, segments = postprocess(probs, NAMES, TYPES, RATE, PostprocessOptions(**options))
    assert events == {}
    return segments


def test_segments_threshold_onsets_and_offsets_are_first_and_last_song_sample():
    song = np.zeros(100)
    song[10:20] = 0.9
    song[40:45] = 0.51
    song[60:70] = 0.5  # not above the threshold
    segments = _segments(_segment_probs(song, np.zeros(100, int)))
    np.testing.assert_allclose(segments["syll_a"], [[0.10, 0.19], [0.40, 0.44]])
    assert segments["syll_b"].shape == (0, 2)


def test_gaps_shorter_than_fillgap_are_filled_then_short_segments_dropped():
    song = np.zeros(200)
    song[10:30] = 0.9
    song[33:50] = 0.9    # gap of 3 samples (30 ms) -> filled with fillgap 40 ms
    song[60:80] = 0.9    # gap of 10 samples -> kept apart
    song[120:123] = 0.9  # 3 samples (30 ms) -> dropped with minlen 50 ms
    song[150:155] = 0.9  # 5 samples (50 ms) -> kept (not shorter than minlen)
    probs = _segment_probs(song, np.zeros(200, int))
    segments = _segments(probs, segment_fillgap=0.04, segment_minlen=0.05)
    np.testing.assert_allclose(segments["syll_a"], [[0.10, 0.49], [0.60, 0.79], [1.50, 1.54]])
    unfilled = _segments(probs, segment_fillgap=0.03)  # a gap of exactly fillgap stays a gap
    assert len(unfilled["syll_a"]) == 5


def test_each_segment_gets_the_majority_label_of_its_song_samples():
    song = np.zeros(100)
    song[10:30] = 0.9
    song[50:60] = 0.9
    labels = np.zeros(100, int)
    labels[10:18] = 1  # 8 of 20 samples say syll_b -> syll_a wins
    labels[50:56] = 1  # 6 of 10 say syll_b -> syll_b wins
    segments = _segments(_segment_probs(song, labels))
    np.testing.assert_allclose(segments["syll_a"], [[0.10, 0.29]])
    np.testing.assert_allclose(segments["syll_b"], [[0.50, 0.59]])


def test_a_segment_gets_the_song_type_most_probable_over_its_whole_duration():
    """12 samples lean to syll_a (0.55 vs 0.4), 8 are clearly syll_b: the summed probabilities say syll_b."""
    probs = np.zeros((40, 3), dtype=np.float32)
    probs[:, 0] = 1
    probs[10:22] = [0.05, 0.55, 0.40]
    probs[22:30] = [0.05, 0.0, 0.95]
    segments = _segments(probs)
    assert segments["syll_a"].shape == (0, 2)  # a vote of the samples' most probable types would say syll_a
    np.testing.assert_allclose(segments["syll_b"], [[0.10, 0.29]])


def test_a_segment_of_one_sample_lasts_one_sample_or_is_dropped_by_the_minimum_length():
    song = np.zeros(50)
    song[[10, 49]] = 0.9  # one sample each, the second at the end of the recording
    probs = _segment_probs(song, np.zeros(50, int))
    np.testing.assert_allclose(_segments(probs)["syll_a"], [[0.10, 0.11], [0.49, 0.50]])
    assert _segments(probs, segment_minlen=0.02)["syll_a"].shape == (0, 2)


def test_boundary_shifts_move_onsets_and_offsets_but_not_past_half_way_to_the_neighbour():
    song = np.zeros(100)
    song[10:20] = 0.9
    song[24:40] = 0.9  # 4 samples (40 ms) after the first segment
    song[90:99] = 0.9
    probs = _segment_probs(song, np.zeros(100, int))
    moved = _segments(probs, segment_onset_shift=-0.03, segment_offset_shift=0.03)["syll_a"]
    # 0.19 + 0.03 would pass the middle of the gap (0.215): both boundaries stop there; the last offset
    # stops at the end of the recording (1.0 s)
    np.testing.assert_allclose(moved, [[0.07, 0.215], [0.215, 0.42], [0.87, 1.0]])
    shrunk = _segments(probs, segment_onset_shift=0.01, segment_offset_shift=-0.02)["syll_a"]
    np.testing.assert_allclose(shrunk, [[0.11, 0.17], [0.25, 0.37], [0.91, 0.96]])
    gone = _segments(probs, segment_onset_shift=0.05, segment_offset_shift=-0.05)["syll_a"]
    np.testing.assert_allclose(gone, [[0.29, 0.34]])  # segments shorter than the shifts vanish


def test_song_is_the_summed_probability_of_the_syllable_classes():
    probs = np.zeros((10, 3), dtype=np.float32)
    probs[:, 0] = 1
    probs[3:6] = [0.4, 0.35, 0.25]  # noise is the most probable class, but song (0.6) is above 0.5
    segments = _segments(probs)
    np.testing.assert_allclose(segments["syll_a"], [[0.03, 0.05]])


def _random_song(seed: int, n: int = 3000):
    """Probabilities with events and segments of both labels, and exact flat tops of 1.0."""
    rng = np.random.default_rng(seed)
    names = ["noise", "pulse", "syll_a", "syll_b"]
    types = ["segment", "event", "segment", "segment"]
    noise = rng.normal(size=(n + 19, 4))
    logits = 1.5 * sum(noise[k:k + n] for k in range(20)) / np.sqrt(20)  # smooth, fluctuating logits
    probs = np.exp(logits - logits.max(axis=1, keepdims=True))
    probs = (probs / probs.sum(axis=1, keepdims=True)).astype(np.float32)
    probs[100:110, 1] = 1.0  # flat top
    probs[-3:, 1] = 1.0      # flat top at the end of the recording
    return probs, names, types


@pytest.mark.parametrize("block", [1, 7, 250, 2999])
def test_blocks_give_the_same_result_as_one_pass(block):
    """Chunk seams: feeding the probabilities in blocks changes nothing."""
    probs, names, types = _random_song(seed=block)
    options = PostprocessOptions(event_thres=0.4, event_dist=0.02, segment_fillgap=0.05, segment_minlen=0.1)
    whole_events, whole_segments = postprocess(probs, names, types, RATE, options)
    streamed = Postprocessor(names, types, RATE, options)
    for start in range(0, len(probs), block):
        streamed.add(probs[start:start + block])
    events, segments = streamed.finish()
    assert len(whole_events["pulse"]) > 3 and sum(map(len, whole_segments.values())) > 3
    assert events.keys() == whole_events.keys() and segments.keys() == whole_segments.keys()
    for name in events:
        np.testing.assert_array_equal(events[name], whole_events[name])
    for name in segments:
        np.testing.assert_array_equal(segments[name], whole_segments[name])


def test_times_never_leave_the_recording():
    probs, names, types = _random_song(seed=3)
    events, segments = postprocess(probs, names, types, RATE)
    duration = len(probs) / RATE
    for times in [*events.values(), *segments.values()]:
        assert times.size and times.min() >= 0 and times.max() < duration
    assert events["pulse"][-1] == pytest.approx((len(probs) - 2) / RATE)


def test_bad_options_and_shapes_are_named():
    with pytest.raises(ValueError, match="event_thres"):
        PostprocessOptions(event_thres=1.5)
    with pytest.raises(ValueError, match="segment_minlen"):
        PostprocessOptions(segment_minlen=-1)
    with pytest.raises(ValueError, match=r"\[samples, 3 classes\]"):
        postprocess(np.zeros((5, 2)), NAMES, TYPES, RATE)


def test_options_of_a_network_come_from_its_params():
    assert PostprocessOptions.from_params({}) == PostprocessOptions()
    chosen = PostprocessOptions.from_params({"postprocess": {"segment_thres": 0.3, "segment_minlen": 0.02}})
    assert (chosen.segment_thres, chosen.segment_minlen, chosen.event_thres) == (0.3, 0.02, 0.5)
    deepss = PostprocessOptions.from_params({"post_opt": {"gap_dur": 0.004, "min_len": 0.015}})
    assert (deepss.segment_fillgap, deepss.segment_minlen) == (0.004, 0.015)
    both = PostprocessOptions.from_params({"postprocess": {"segment_minlen": 0.02}, "post_opt": {"min_len": 0.5}})
    assert both.segment_minlen == 0.02  # our own choice wins over DeepSS's
    with pytest.raises(ValueError, match="segment_thres"):
        PostprocessOptions.from_params({"postprocess": {"segment_thres": 2.0}})


# --- DeepSS's rules (networks trained by DeepSS itself find what DeepSS finds) ---------------------------------


def _deepss_events(trace, **options):
    events, _ = postprocess(_event_probs(trace), ["noise", "pulse"], ["segment", "event"], RATE,
                            PostprocessOptions(**options), deepss_rules=True)
    return events["pulse"]


def test_deepss_event_peaks_must_exceed_the_threshold_and_never_sit_on_the_edges():
    trace = np.zeros(50)
    trace[10] = 0.9
    trace[20] = 0.5   # at the threshold: not above it (peakutils compares with >)
    trace[30:33] = 1.0  # flat top -> its middle, as in our rules
    trace[0] = trace[-1] = 0.8  # edges: DeepSS's peak test needs a rise before and a fall after
    np.testing.assert_allclose(_deepss_events(trace), [0.10, 0.31])
    np.testing.assert_allclose(_events(trace), [0.0, 0.10, 0.20, 0.31, 0.49])  # ours keep edges and the 0.5


def test_deepss_event_distance_is_truncated_inclusive_and_ties_keep_the_later_peak():
    trace = np.zeros(100)
    trace[[10, 15, 40, 46, 60, 63]] = [0.7, 0.9, 0.8, 0.8, 0.9, 0.9]
    # event_dist 0.059 s = 5.9 samples -> int 5: 10/15 are 5 apart, so 10 goes (ours keep both 5 apart);
    # 40/46 are 6 apart: both stay; the 60/63 tie keeps the later, 63
    np.testing.assert_allclose(_deepss_events(trace, event_dist=0.059), [0.15, 0.40, 0.46, 0.63])
    # int(event_dist * rate) <= 1: DeepSS does not space peaks at all
    np.testing.assert_allclose(_deepss_events(trace, event_dist=0.019), [0.10, 0.15, 0.40, 0.46, 0.60, 0.63])


def test_deepss_song_is_the_first_class_above_the_threshold_and_the_last_sample_does_not_vote():
    probs = np.zeros((40, 3), dtype=np.float32)
    probs[:, 0] = 1
    probs[3:6] = [0.4, 0.35, 0.25]  # song sums to 0.6, but no class is above 0.5: noise for DeepSS
    probs[10:14] = [0.1, 0.9, 0.0]  # 4 samples syll_a, then 3 of syll_b: one segment, syll_a
    probs[14:17] = [0.1, 0.0, 0.9]
    probs[20:23] = [0.1, 0.0, 0.9]  # 3 samples syll_b, then 3 of syll_a: a tie, which the last sample breaks
    probs[23:26] = [0.1, 0.9, 0.0]
    probs[30] = [0.1, 0.0, 0.9]     # a segment of one sample: that sample votes
    ours = _segments(probs)
    _, deepss = postprocess(probs, NAMES, TYPES, RATE, deepss_rules=True)
    np.testing.assert_allclose(ours["syll_a"], [[0.03, 0.05], [0.10, 0.16], [0.20, 0.25]])  # a tie: first class
    np.testing.assert_allclose(deepss["syll_a"], [[0.10, 0.16]])
    # 3 to 2 without the last vote; the segment of one sample lasts one sample (a segment never ends where it starts)
    np.testing.assert_allclose(deepss["syll_b"], [[0.20, 0.25], [0.30, 0.31]])


@pytest.mark.parametrize("block", [1, 7, 250])
def test_deepss_rules_give_the_same_result_in_blocks(block):
    probs, names, types = _random_song(seed=block)
    options = PostprocessOptions(event_thres=0.4, event_dist=0.02, segment_fillgap=0.05, segment_minlen=0.1)
    whole = postprocess(probs, names, types, RATE, options, deepss_rules=True)
    streamed = Postprocessor(names, types, RATE, options, deepss_rules=True)
    for start in range(0, len(probs), block):
        streamed.add(probs[start:start + block])
    events, segments = streamed.finish()
    assert len(whole[0]["pulse"]) > 3 and sum(map(len, whole[1].values())) > 3
    np.testing.assert_array_equal(events["pulse"], whole[0]["pulse"])
    for name in segments:
        np.testing.assert_array_equal(segments[name], whole[1][name])
