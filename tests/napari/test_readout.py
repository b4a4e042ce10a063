"""Reading the view without a widget: the range, the cursor's time and Hz, the selection; labels that make room."""

from __future__ import annotations

import numpy as np
from napari.utils._test_utils import read_only_mouse_event
from napari.utils.interactions import mouse_move_callbacks

from napari_deepss._napari import readout
from napari_deepss._napari.annotation_labels import label_strings
from napari_deepss._napari.navigation import zoom_time
from napari_deepss.annotations import annotations_path_for, read_annotations

PLUGIN = "napari-deepss"


def test_the_canvas_shows_the_range_the_cursor_and_the_selection(make_napari_viewer, bird_wav):
    viewer = make_napari_viewer()
    spectrogram, waveform, segments, _ = viewer.open(bird_wav, plugin=PLUGIN)
    text = viewer.text_overlay.text
    assert viewer.text_overlay.visible and text.startswith("-0.062 – 4.062 s")

    row = 40  # 40 rows of 250 Hz: 10 kHz
    position = spectrogram.data_to_world((row, 100))
    assert readout.cursor_text(viewer, position) == f"cursor {position[1]:.3f} s, 10,000 Hz"
    mouse_move_callbacks(viewer, read_only_mouse_event(type="mouse_move", position=position))
    assert viewer.text_overlay.text == f"{text}  |  cursor {position[1]:.3f} s, 10,000 Hz"  # as the mouse moves
    top = waveform.data_to_world((waveform.level_shapes[0][0] - 1, 400))
    amplitude = waveform.metadata["amplitude"]
    assert readout.cursor_text(viewer, top) == f"cursor {top[1]:.3f} s, amplitude {amplitude:.3g}"
    assert readout.cursor_text(viewer, (-1e6, 2.0)) == "cursor 2.000 s"

    table = read_annotations(annotations_path_for(bird_wav))
    segments.selected_data = {2}
    name, start, stop = table.names[2], table.start_seconds[2], table.stop_seconds[2]
    assert stop - start < 0.1  # short: shown to a tenth of a millisecond
    expected = f"{name}  {start:.3f} – {stop:.3f} s  ({(stop - start) * 1000:.1f} ms)"
    assert viewer.text_overlay.text.endswith(f"10,000 Hz  |  {expected}")  # shown as soon as it is selected
    segments.selected_data = {2, 3}
    assert viewer.text_overlay.text.endswith(f"2 selected  {start:.3f} – {table.stop_seconds[3]:.3f} s")


def test_a_label_is_shown_where_it_has_room_before_the_next_annotation():
    names = ["syll_1", "syll_2", "syll_3", "a"]
    starts = [1.0, 1.05, 1.5, 1.52]
    # at 1000 px/s: 50 px to the next start, "syll_1" needs 6*7+8 = 50 px; "syll_2" has 450 px; "syll_3" only 20
    assert label_strings(names, starts, 1000).tolist() == ["syll_1", "syll_2", "", "a"]
    assert label_strings(names, starts, 500).tolist() == ["", "syll_2", "", "a"]
    assert label_strings(names[::-1], starts[::-1], 1000).tolist() == ["a", "", "syll_2", "syll_1"]  # any order


def test_zooming_in_shows_more_labels(make_napari_viewer, bird_wav):
    viewer = make_napari_viewer()
    _, _, segments, _ = viewer.open(bird_wav, plugin=PLUGIN)
    shown = np.asarray(segments.text.string.array) != ""
    assert 0 < shown.sum() < len(segments.data)  # crowded syllables are left unlabelled in the first view
    zoom_time(viewer, 8)
    more = np.asarray(segments.text.string.array) != ""
    assert more.sum() > shown.sum() and np.all(more[shown])
    assert list(np.asarray(segments.text.string.array)[more]) == list(segments.features["name"][more])
    segments.add_rectangles(np.array([[0.0, 0.01], [16000.0, 0.2]]))  # a new annotation gets its label too
    assert len(segments.text.string.array) == len(segments.data)
