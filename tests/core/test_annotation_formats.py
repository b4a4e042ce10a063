"""Annotation formats of other tools (through crowsetta): round trips on the real annotations, refusals, detection."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest

from napari_deepss.annotation_formats import (
    annotation_file_for,
    detect_format,
    format_for_writing,
    read_annotation_file,
    read_recording_annotations,
    write_recording_annotations,
)
from napari_deepss.annotations import Annotations, annotations_path_for, read_annotations, read_definitions, write_annotations
from napari_deepss.audio import audio_info
from napari_deepss.errors import FileFormatError

#: a file name for each format, for recording ``rec``
NAMES = {"deepss": "rec_annotations.csv", "raven": "rec.Table.1.selections.txt", "audacity": "rec.txt",
         "textgrid": "rec.TextGrid", "notmat": "rec.wav.not.mat", "generic-seq": "rec.csv"}
BOTH_KINDS = ("deepss", "raven", "audacity", "textgrid")
SEGMENTS_ONLY = ("notmat", "generic-seq")
TOLERANCE = 0.001  # issue 13: times survive a round trip to 1 ms (measured: they survive exactly)


def _rows(table: Annotations) -> list[tuple]:
    keep = ~table.is_placeholder
    rows = zip(np.asarray(table.names, dtype=object)[keep], table.start_seconds[keep], table.stop_seconds[keep])
    return sorted(rows, key=lambda r: (r[1], r[0]))


def _assert_same(read: Annotations, written: Annotations):
    """Same names and kinds, every time within 1 ms."""
    a, b = _rows(read), _rows(written)
    assert [r[0] for r in a] == [r[0] for r in b]
    times_a, times_b = np.array([r[1:] for r in a], dtype=float), np.array([r[1:] for r in b], dtype=float)
    assert times_a.shape == times_b.shape and np.all(np.abs(times_a - times_b) <= TOLERANCE)
    assert read.song_types == written.song_types


def _folder_with_recording(tmp_path: Path, wav: Path) -> Path:
    shutil.copy(wav, tmp_path / "rec.wav")
    return tmp_path


def _one_character_names(table: Annotations) -> Annotations:
    """evsonganaly labels are single characters: syll_3 -> 3."""
    return Annotations([n[-1] for n in table.names], table.start_seconds, table.stop_seconds)


@pytest.mark.parametrize("fmt", list(NAMES))
def test_bird_syllables_round_trip(fmt, tmp_path, bird_wav):
    folder = _folder_with_recording(tmp_path, bird_wav)
    table = read_annotations(annotations_path_for(bird_wav))
    if fmt == "notmat":
        table = _one_character_names(table)
    path = write_recording_annotations(table, folder / NAMES[fmt], format=fmt)
    assert detect_format(path).name == fmt
    back = read_recording_annotations(path)
    _assert_same(back, table)
    assert np.array_equal(_rows(back), _rows(table))  # not only within 1 ms: every digit survives
    assert set(back.song_types.values()) == {"segment"}


@pytest.mark.parametrize("fmt", BOTH_KINDS)
def test_fly_pulses_stay_events(fmt, tmp_path, fly_wav):
    folder = _folder_with_recording(tmp_path, fly_wav)
    table = read_annotations(annotations_path_for(fly_wav))
    back = read_recording_annotations(write_recording_annotations(table, folder / NAMES[fmt], format=fmt))
    assert back.song_types == {"pulse": "event"} and len(_rows(back)) == 374
    assert np.array_equal(back.start_seconds, back.stop_seconds)
    _assert_same(back, table)


@pytest.mark.parametrize("fmt", BOTH_KINDS)
def test_events_segments_and_empty_song_types_survive(fmt, tmp_path, bird_wav, fly_wav):
    """Syllables, pulses and a declared type without annotations: kinds come back from the file and the definitions."""
    folder = _folder_with_recording(tmp_path, bird_wav)
    bird = read_annotations(annotations_path_for(bird_wav)).cropped(0, 3)
    pulses = read_annotations(annotations_path_for(fly_wav)).cropped(2, 5)
    table = Annotations.from_rows(bird.names + pulses.names, np.r_[bird.start_seconds, pulses.start_seconds],
                                  np.r_[bird.stop_seconds, pulses.stop_seconds],
                                  song_types={**bird.song_types, "pulse": "event", "sine": "segment", "click": "event"})
    path = write_recording_annotations(table, folder / NAMES[fmt], format=fmt)
    assert read_definitions(folder / "rec_definitions.csv") == table.song_types
    back = read_recording_annotations(path)
    _assert_same(back, table)
    assert back.song_types["sine"] == "segment" and back.song_types["click"] == "event"


def test_events_in_a_segment_only_format_are_refused_and_nothing_is_written(tmp_path, fly_wav):
    folder = _folder_with_recording(tmp_path, fly_wav)
    table = read_annotations(annotations_path_for(fly_wav))
    for fmt in SEGMENTS_ONLY:
        with pytest.raises(FileFormatError, match=r"holds only segments: 374 event\(s\) of 'pulse'"):
            write_recording_annotations(table, folder / NAMES[fmt], format=fmt)
    assert sorted(p.name for p in folder.iterdir()) == ["rec.wav"]


@pytest.mark.parametrize(("fmt", "name", "problem"), [
    ("notmat", "syll_0", "not a single character"),
    ("audacity", "a\tb", "tab"),
    ("raven", "two\nlines", "line break"),
    ("textgrid", "two\nlines", "line break"),
])
def test_names_a_format_cannot_store_are_refused(fmt, name, problem, tmp_path, bird_wav):
    folder = _folder_with_recording(tmp_path, bird_wav)
    table = Annotations([name], [1.0], [1.5])
    with pytest.raises(FileFormatError, match=problem):
        write_recording_annotations(table, folder / NAMES[fmt], format=fmt)
    assert not (folder / NAMES[fmt]).exists()


def test_what_else_a_format_cannot_hold_is_refused(tmp_path, bird_wav):
    folder = _folder_with_recording(tmp_path, bird_wav)
    overlapping = Annotations(["a", "a"], [1.0, 1.2], [1.5, 1.7])
    with pytest.raises(FileFormatError, match="segments of 'a' overlap"):
        write_recording_annotations(overlapping, folder / "rec.TextGrid")
    with pytest.raises(FileFormatError, match="channels"):
        write_recording_annotations(Annotations(["a"], [1.0], [1.5], channel=["2"]), folder / "rec.TextGrid")
    with pytest.raises(FileFormatError, match="sampling rate"):  # no recording beside other.wav.not.mat
        write_recording_annotations(Annotations(["a"], [1.0], [1.5]), folder / "other.wav.not.mat")
    with pytest.raises(FileFormatError, match="several formats"):
        format_for_writing(folder / "rec.txt")
    assert format_for_writing(folder / "rec.Table.1.selections.txt").name == "raven"
    assert format_for_writing(folder / "rec.csv").name == "deepss"  # generic-seq must be named
    assert sorted(p.name for p in folder.iterdir()) == ["rec.wav"]


def test_raven_keeps_channels_and_writes_the_recordings_band(tmp_path, bird_wav):
    folder = _folder_with_recording(tmp_path, bird_wav)
    table = Annotations(["a", "b"], [1.0, 2.0], [1.5, 2.0], channel=["1", "2"])
    path = write_recording_annotations(table, folder / NAMES["raven"])
    header, first, _ = path.read_text().splitlines()
    assert header.split("\t") == ["Selection", "View", "Channel", "Begin Time (s)", "End Time (s)", "Low Freq (Hz)",
                                  "High Freq (Hz)", "Annotation"]
    assert first.split("\t")[5:7] == ["0.0", str(audio_info(bird_wav).samplerate / 2)]
    back = read_recording_annotations(path)
    assert list(back.channel) == ["1", "2"] and back.song_types == {"a": "segment", "b": "event"}


def _crowsetta_example(name: str) -> Path:
    import crowsetta

    return Path(crowsetta.__file__).parent / "examples" / name


def test_real_files_of_the_other_tools_read_as_their_tools_wrote_them(tmp_path):
    raven = _crowsetta_example("Recording_1_Segment_02.Table.1.selections.txt")
    with pytest.warns(UserWarning, match="frequency bounds"):
        (record,) = read_annotation_file(raven)
    assert record.recording == "Recording_1_Segment_02" and record.annotations.names == ["EATO"] * 6
    assert record.annotations.start_seconds[0] == 154.387792767 and record.annotations.stop_seconds[0] == 154.911598217

    textgrid = read_recording_annotations(_crowsetta_example("AVO-maea-basic.TextGrid"))
    assert textgrid.song_types["L+H*"] == "event" and textgrid.song_types["Sione"] == "segment"  # point and interval tiers
    assert 0.4351780385722748 in textgrid.start_seconds

    notmat = read_recording_annotations(_crowsetta_example("gy6or6_baseline_230312_0808.138.cbin.not.mat"))
    assert len(notmat) == 78 and set(notmat.song_types) == set("iabcdefghjk")

    audacity = read_recording_annotations(_crowsetta_example("405_marron1_June_14_2016_69640887.audacity.txt"))
    assert len(audacity) == 61 and audacity.names[:2] == ["SIL", "call"] and audacity.stop_seconds[0] == 0.7698181682

    records = read_annotation_file(_crowsetta_example("bird1.csv"))  # generic-seq: one file, several recordings
    assert len(records) == 10 and records[1].recording == "lbr3009_0006_2017_04_27_06_14_57"
    assert records[1].annotations.names == ["3"] * 8


def test_raven_tables_listing_each_selection_per_view_read_each_once(tmp_path):
    header = "Selection\tView\tChannel\tBegin Time (s)\tEnd Time (s)\tLow Freq (Hz)\tHigh Freq (Hz)\tAnnotation"
    rows = ["1\tWaveform 1\t1\t0.5\t0.9\t0.0\t8000.0\ta", "1\tSpectrogram 1\t1\t0.5\t0.9\t0.0\t8000.0\ta",
            "2\tWaveform 1\t1\t1.5\t1.5\t0.0\t8000.0\tb", "2\tSpectrogram 1\t1\t1.5\t1.5\t0.0\t8000.0\tb"]
    path = tmp_path / "rec.Table.1.selections.txt"
    path.write_text("\n".join([header, *rows]) + "\n")
    table = read_recording_annotations(path)
    assert _rows(table) == [("a", 0.5, 0.9), ("b", 1.5, 1.5)] and table.song_types == {"a": "segment", "b": "event"}
    path.write_text(header + "\n")  # Raven exports a table without selections like this
    assert len(read_recording_annotations(path)) == 0


def test_unreadable_files_are_clear_errors(tmp_path):
    unlabelled = tmp_path / "rec.txt"
    unlabelled.write_text("0.5\t0.9\tsyll\n1.0\t1.2\t\n")
    with pytest.raises(FileFormatError, match=r"rec.txt: label 2 \(1.0-1.2 s\) has no label"):
        read_recording_annotations(unlabelled)
    backwards = tmp_path / "back.txt"
    backwards.write_text("0.9\t0.5\tsyll\n")
    with pytest.raises(FileFormatError, match=r"back.txt: label 1 \(syll\): times 0.9-0.5 s"):
        read_recording_annotations(backwards)
    notes = tmp_path / "notes.txt"
    notes.write_text("recorded on a sunny day\n")
    with pytest.raises(FileFormatError, match="not an annotation file"):
        read_recording_annotations(notes)
    broken = tmp_path / "rec.TextGrid"
    broken.write_text('File type = "ooTextFile"\nObject class = "TextGrid"\n\nxmin = oops\n')
    with pytest.raises(FileFormatError, match="rec.TextGrid"):
        read_recording_annotations(broken)


def test_deleting_every_song_type_removes_the_definitions(tmp_path):
    path = write_recording_annotations(Annotations.from_rows([], [], [], song_types={"pulse": "event"}), tmp_path / "rec.txt",
                                       format="audacity")
    assert read_recording_annotations(path).song_types == {"pulse": "event"}  # from the definitions: the file is empty
    write_recording_annotations(Annotations(), path, format="audacity")
    assert not (tmp_path / "rec_definitions.csv").exists() and read_recording_annotations(path).song_types == {}


def test_the_annotation_file_beside_a_recording(tmp_path, bird_wav):
    folder = _folder_with_recording(tmp_path, bird_wav)
    table = read_annotations(annotations_path_for(bird_wav))
    assert annotation_file_for(folder / "rec.wav") is None
    write_recording_annotations(table, folder / "rec10.TextGrid")  # another recording's
    (folder / "rec.txt").write_text("no annotations here\n")
    assert annotation_file_for(folder / "rec.wav") is None
    write_recording_annotations(table, folder / "rec.TextGrid")
    assert annotation_file_for(folder / "rec.wav")[0].name == "rec.TextGrid"
    write_annotations(table, folder / "rec.csv")
    assert annotation_file_for(folder / "rec.wav")[0].name == "rec.TextGrid"  # DeepSS pairs by its usual name only
    write_annotations(table, folder / "rec_annotations.csv")
    assert annotation_file_for(folder / "rec.wav")[0].name == "rec_annotations.csv"  # and then wins
