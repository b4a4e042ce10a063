"""Export a recording for a dataset: audio and annotations cut to a time range and song types, as Make dataset reads them."""

from __future__ import annotations

import numpy as np
import pytest

from napari_deepss.annotations import Annotations, annotations_path_for, read_annotations
from napari_deepss.audio import load_audio
from napari_deepss.dataset.sources import find_sources
from napari_deepss.recording_export import export_recording

TABLE = Annotations.from_rows(
    ["pulse", "sine", "pulse", "sine", "pulse"],
    [0.5, 0.8, 1.5, 1.9, 2.5],
    [0.5, 1.2, 1.5, 2.4, 2.5],
    song_types={"pulse": "event", "sine": "segment", "click": "event"},
)


def test_a_time_range_keeps_what_lies_in_it_shifted_and_clips_segments():
    table = TABLE.cropped(1.0, 2.0)
    rows = [(n, a, b) for n, a, b, p in zip(table.names, table.start_seconds, table.stop_seconds, table.is_placeholder) if not p]
    assert rows == [("sine", 0.0, pytest.approx(0.2)), ("pulse", 0.5, 0.5), ("sine", pytest.approx(0.9), 1.0)]
    assert table.song_types == {"pulse": "event", "sine": "segment", "click": "event"}  # click keeps its placeholder


def test_a_subset_of_song_types_and_unknown_types():
    table = TABLE.cropped(0.0, 3.0, ["pulse"])
    assert table.names == ["pulse"] * 3 and table.song_types == {"pulse": "event"}
    with pytest.raises(ValueError, match="unknown song type"):
        TABLE.cropped(0.0, 3.0, ["trill"])


def test_export_writes_a_recording_folder(tmp_path, fly_wav):
    samples, rate = load_audio(fly_wav)
    table = read_annotations(annotations_path_for(fly_wav))
    wav, csv_path = export_recording(samples, rate, table, tmp_path / "out", "fly", time_range=(10.0, 20.0))
    assert (wav.name, csv_path.name) == ("fly.wav", "fly_annotations.csv")
    cut, cut_rate = load_audio(wav)
    assert cut_rate == rate and np.array_equal(cut, samples[int(10 * rate) : int(20 * rate)])
    inside = table.start_seconds[(table.start_seconds >= 10) & (table.start_seconds < 20)]
    assert np.allclose(read_annotations(csv_path).start_seconds, inside - 10)
    sources = find_sources(tmp_path / "out")  # what Make dataset checks before it writes anything
    assert [r.name for r in sources.recordings] == ["fly"] and sources.song_types == {"pulse": "event"}
    with pytest.raises(ValueError, match="exists"):
        export_recording(samples, rate, table, tmp_path / "out", "fly")
    with pytest.raises(ValueError, match="holds no audio"):
        export_recording(samples, rate, table, tmp_path / "other", "fly", time_range=(70.0, 80.0))
