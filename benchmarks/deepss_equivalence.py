"""How close napari-deepss comes to DeepSS 0.32 on DeepSS's own networks (the fixtures in tests/fixtures/deepss).

For each network: the largest probability difference where DeepSS's output is the network's, the events and
segments found there by both, the largest time difference of matched ones, and what napari-deepss finds where
DeepSS writes zeros (first ``data_padding`` samples) or noise (the end). Not part of the test suite:

    PYTHONPATH=src python benchmarks/deepss_equivalence.py
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from deepss_fixtures import NETWORK_NAMES, QUANTUM, deepss_prediction  # noqa: E402

from napari_deepss.network_files import load_network  # noqa: E402
from napari_deepss.prediction import predict  # noqa: E402


def _largest_gap(ours: list, theirs: list) -> float:
    if len(ours) != len(theirs) or not ours:
        return float("nan")
    return float(np.max(np.abs(np.asarray(ours, float) - np.asarray(theirs, float))))


def compare(name: str) -> str:
    deepss = deepss_prediction(name)
    started = time.perf_counter()
    model, params = load_network(deepss.prefix)
    ours = predict(deepss.audio, model, params=params, keep_probabilities=True)
    seconds = time.perf_counter() - started
    rate, stretch = deepss.samplerate, slice(deepss.first, deepss.end)
    difference = np.abs(ours.probabilities[stretch] - deepss.probabilities[stretch]).max()
    first, last = deepss.first / rate, (deepss.end - 1) / rate
    events = sorted((n, t) for n, times in ours.events.items() for t in times)
    inside = [e for e in events if first <= e[1] <= last]
    segments = sorted((n, a, b) for n, times in ours.segments.items() for a, b in times)
    seg_inside = [s for s in segments if s[1] >= first and s[2] < last]
    theirs = [s for s in deepss.segments if s[2] < last]
    same_labels = [s[0] for s in seg_inside] == [s[0] for s in theirs]
    return (f"{name:18} max |dp| {difference:.2e} (+ storage {QUANTUM:.1e}) over {deepss.end - deepss.first} of "
            f"{len(deepss.probabilities)} samples | events {len(inside)}/{len(deepss.events)} max dt "
            f"{_largest_gap([t for _, t in inside], [t for _, t in deepss.events]):.1e} s | segments "
            f"{len(seg_inside)}/{len(theirs)} max dt "
            f"{_largest_gap([s[1:] for s in seg_inside], [s[1:] for s in theirs]):.1e} s, labels "
            f"{'equal' if same_labels else 'DIFFER'} | beyond DeepSS's stretch: {len(events) - len(inside)} events, "
            f"{len(segments) - len(seg_inside)} segments | load+predict {seconds:.1f} s")


if __name__ == "__main__":
    for network in NETWORK_NAMES:
        print(compare(network), flush=True)
