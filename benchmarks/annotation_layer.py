"""Build the annotation layers of 10,000 events and 2,000 segments in napari and time one edit of each kind.

Run under a (virtual) display: ``xvfb-run -a python benchmarks/annotation_layer.py``.
Targets (issue 7): layers built and added in under 3 s, one added event in under 100 ms.
Prints: the time to build and add the layers (events: Points, segments: Shapes),
the first render, and the median of several added events and segments through
the Annotate widget's editor (undoable edits, as a click in drawing mode makes them).
"""

from __future__ import annotations

import argparse
import statistics
import time

import numpy as np


def synthetic_table(n_events: int, n_segments: int, seconds: float):
    from napari_deepss.annotations import Annotations

    rng = np.random.default_rng(0)
    events = np.sort(rng.uniform(0, seconds, n_events))
    onsets = np.sort(rng.uniform(0, seconds - 1, n_segments))
    names = ["pulse"] * n_events + ["sine"] * n_segments
    return Annotations(names, np.r_[events, onsets], np.r_[events, onsets + rng.uniform(0.05, 0.5, n_segments)])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=10_000)
    parser.add_argument("--segments", type=int, default=2_000)
    parser.add_argument("--edits", type=int, default=5, help="edits of each kind to time")
    args = parser.parse_args()

    import napari

    from napari_deepss._napari.annotation_edits import AnnotationEditor
    from napari_deepss._napari.annotation_layer import annotations_layers_data

    seconds = 3600.0
    table = synthetic_table(args.events, args.segments, seconds)
    viewer = napari.Viewer()
    start = time.perf_counter()
    layers = [
        getattr(viewer, f"add_{layer_type}")(data, **kwargs)
        for data, kwargs, layer_type in annotations_layers_data(table, (0.0, 5000.0), name="bench_annotations")
    ]
    built = time.perf_counter() - start
    viewer.screenshot(canvas_only=True, flash=False)
    rendered = time.perf_counter() - start
    segments, events = layers
    editor = AnnotationEditor(segments, events)
    event_times, segment_times = [], []
    for i in range(args.edits):
        t = time.perf_counter()
        editor.add_event("pulse", 10.0 + i)
        event_times.append(time.perf_counter() - t)
        t = time.perf_counter()
        editor.add_segment("sine", 20.0 + i, 20.5 + i)
        segment_times.append(time.perf_counter() - t)
    t = time.perf_counter()
    editor.undo()
    undo_segment = time.perf_counter() - t

    print(f"annotations: {len(events.data)} events (Points), {len(segments.data)} segments (Shapes)")
    print(f"build + add layers: {built:.2f} s (target < 3 s)")
    print(f"until first render: {rendered:.2f} s")
    print(f"add one event: median {1000 * statistics.median(event_times):.0f} ms (target < 100 ms)")
    print(f"add one segment: median {1000 * statistics.median(segment_times):.0f} ms")
    print(f"undo an added segment: {1000 * undo_segment:.0f} ms")
    viewer.close()


if __name__ == "__main__":
    main()
