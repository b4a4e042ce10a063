"""DeepSS annotation CSVs: exact round trips, placeholders, tolerated columns, definitions and errors."""

from __future__ import annotations

import csv
import math
from pathlib import Path

import numpy as np
import pytest

from napari_deepss.annotations import (
    Annotations,
    annotations_path_for,
    definitions_path_for,
    find_audio_for,
    is_annotations_csv,
    read_annotations,
    read_definitions,
    recording_stem,
    write_annotations,
    write_definitions,
)
from napari_deepss.errors import FileFormatError


def _csv_rows(path: Path) -> list[tuple[str, float, float]]:
    """The rows as the plain csv module reads them (independent of the code under test)."""
    with open(path, newline="") as f:
        rows = list(csv.DictReader(f))
    return [(r["name"], float(r["start_seconds"] or "nan"), float(r["stop_seconds"] or "nan")) for r in rows]


def _assert_same_rows(a: list, b: list) -> None:
    assert [r[0] for r in a] == [r[0] for r in b]
    np.testing.assert_allclose([r[1:] for r in a], [r[1:] for r in b], rtol=0, atol=1e-9)  # NaN == NaN here


def _write(path: Path, text: str) -> Path:
    path.write_text(text)
    return path


def test_every_real_csv_survives_a_round_trip(bird_dir, fly_dir, tmp_path):
    sources = sorted(bird_dir.glob("*_annotations.csv")) + sorted(fly_dir.glob("*_annotations.csv"))
    assert len(sources) == 46
    for source in sources:
        table = read_annotations(source)
        assert len(table) == len(_csv_rows(source))
        copy = write_annotations(table, tmp_path / source.name)
        _assert_same_rows(_csv_rows(copy), _csv_rows(source))
        again = read_annotations(copy)
        assert again.names == table.names and again.song_types == table.song_types
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(p.name for p in sources)


def test_real_bird_syllables_are_segments_and_fly_pulses_events(bird_dir, fly_dir):
    bird = read_annotations(bird_dir / "bird0_000_annotations.csv")
    assert set(bird.song_types.values()) == {"segment"}
    assert all(name.startswith("syll_") for name in bird.song_types)
    segments = bird.segments()
    assert sum(len(s) for s in segments.values()) == len(bird)
    assert all((s[:, 1] > s[:, 0]).all() for s in segments.values())
    fly = read_annotations(next(fly_dir.glob("*_annotations.csv")))
    assert fly.song_types == {"pulse": "event"}
    assert fly.events()["pulse"].shape == (374,)
    assert fly.segments() == {}


def test_placeholders_survive_and_give_the_type(tmp_path):
    path = _write(tmp_path / "r_annotations.csv", "name,start_seconds,stop_seconds\npulse,nan,nan\nsine,nan,0\nsine,1.5,2.25\n")
    table = read_annotations(path)
    assert table.song_types == {"pulse": "event", "sine": "segment"}
    np.testing.assert_array_equal(table.is_placeholder, [True, True, False])
    assert table.events()["pulse"].shape == (0,)
    np.testing.assert_array_equal(table.segments()["sine"], [[1.5, 2.25]])
    write_annotations(table, path)
    assert path.read_text() == "name,start_seconds,stop_seconds\npulse,nan,nan\nsine,nan,0.0\nsine,1.5,2.25\n"


def test_empty_placeholder_cells_written_by_pandas_read_as_nan(tmp_path):
    path = _write(tmp_path / "r_annotations.csv", "name,start_seconds,stop_seconds\npulse,,\nsine,,0.0\n")
    table = read_annotations(path)
    assert table.song_types == {"pulse": "event", "sine": "segment"}
    assert np.isnan(table.start_seconds).all() and np.isnan(table.stop_seconds[0]) and table.stop_seconds[1] == 0


@pytest.mark.parametrize("index_header", ["", "Unnamed: 0"])
def test_leading_pandas_index_column_is_tolerated_and_dropped(tmp_path, index_header):
    path = _write(tmp_path / "r_annotations.csv", f"{index_header},name,start_seconds,stop_seconds\n0,a,1.0,1.0\n1,b,2.0,3.0\n")
    assert is_annotations_csv(path)
    table = read_annotations(path)
    assert table.names == ["a", "b"] and table.song_types == {"a": "event", "b": "segment"}
    write_annotations(table, path)
    assert path.read_text().splitlines()[0] == "name,start_seconds,stop_seconds"


def test_channel_column_is_kept(tmp_path):
    path = _write(tmp_path / "r_annotations.csv", "name,start_seconds,stop_seconds,channel\na,1.0,2.0,0\na,3.0,4.0,1\nb,nan,nan,\n")
    table = read_annotations(path)
    assert list(table.channel) == ["0", "1", ""]
    write_annotations(table, path)
    assert path.read_text() == "name,start_seconds,stop_seconds,channel\na,1.0,2.0,0\na,3.0,4.0,1\nb,nan,nan,\n"


def test_windows_line_ends_and_quoted_names_round_trip(tmp_path):
    path = tmp_path / "r_annotations.csv"
    path.write_bytes(b'name,start_seconds,stop_seconds\r\n"trill, fast",0.25,0.5\r\n')
    table = read_annotations(path)
    assert table.names == ["trill, fast"]
    write_annotations(table, path)
    assert read_annotations(path).names == ["trill, fast"]
    assert _csv_rows(path) == [("trill, fast", 0.25, 0.5)]


def test_events_and_segments_by_type_in_file_order(tmp_path):
    path = _write(
        tmp_path / "r_annotations.csv",
        "name,start_seconds,stop_seconds\npulse,0.5,0.5\nsine,1.0,1.5\npulse,0.2,0.2\n"
        # a type with one real duration is a segment even if another row has none
        "song,2.0,2.0\nsong,3.0,3.5\n",
    )
    table = read_annotations(path)
    assert table.song_types == {"pulse": "event", "sine": "segment", "song": "segment"}
    np.testing.assert_array_equal(table.events()["pulse"], [0.5, 0.2])
    np.testing.assert_array_equal(table.segments()["song"], [[2.0, 2.0], [3.0, 3.5]])


def test_from_rows_adds_placeholders_for_types_without_rows():
    table = Annotations.from_rows(["sine"], [1.0], [2.0], song_types={"pulse": "event", "sine": "segment", "hum": "segment"})
    assert table.names == ["sine", "pulse", "hum"]
    np.testing.assert_array_equal(table.is_placeholder, [False, True, True])
    assert math.isnan(table.stop_seconds[1]) and table.stop_seconds[2] == 0
    assert table.song_types == {"sine": "segment", "pulse": "event", "hum": "segment"}


def test_from_rows_rejects_an_unknown_category():
    with pytest.raises(ValueError, match="'event' or 'segment'"):
        Annotations.from_rows([], [], [], song_types={"x": "chirp"})


def test_mismatched_lengths_are_refused():
    with pytest.raises(ValueError, match="same length"):
        Annotations(["a", "b"], [1.0], [2.0])
    with pytest.raises(ValueError, match="one value per row"):
        Annotations(["a"], [1.0], [2.0], channel=[0, 1])


def test_definitions_file_declares_types_and_is_used_by_read(tmp_path):
    csv_path = _write(tmp_path / "rec_annotations.csv", "name,start_seconds,stop_seconds\nsine,1.0,2.0\n")
    definitions = write_definitions({"pulse": "event", "sine": "segment"}, definitions_path_for(csv_path))
    assert definitions.name == "rec_definitions.csv"
    assert definitions.read_text() == "pulse,event\nsine,segment\n"
    assert read_definitions(definitions) == {"pulse": "event", "sine": "segment"}
    table = read_annotations(csv_path)
    assert table.song_types == {"sine": "segment", "pulse": "event"}
    write_annotations(table, csv_path)
    assert _csv_rows(csv_path)[-1][0] == "pulse"  # placeholder for the declared type without rows
    assert read_annotations(csv_path, definitions=tmp_path / "elsewhere.csv").song_types == {"sine": "segment", "pulse": "event"}


def test_definitions_overrule_a_placeholders_type(tmp_path):
    csv_path = _write(tmp_path / "rec_annotations.csv", "name,start_seconds,stop_seconds\nhum,nan,nan\n")
    _write(tmp_path / "rec_definitions.csv", "hum,segment\n")
    assert read_annotations(csv_path).song_types == {"hum": "segment"}


def test_definitions_contradicting_the_rows_are_an_error(tmp_path):
    csv_path = _write(tmp_path / "rec_annotations.csv", "name,start_seconds,stop_seconds\nsine,1.0,2.0\n")
    _write(tmp_path / "rec_definitions.csv", "sine,event\n")
    with pytest.raises(FileFormatError, match=r"rec_definitions.csv: 'sine' is declared an event"):
        read_annotations(csv_path)


def test_bad_definitions_name_file_and_line(tmp_path):
    path = _write(tmp_path / "rec_definitions.csv", "pulse,event\nsine,song\n")
    with pytest.raises(FileFormatError, match=r"rec_definitions.csv: line 2: expected 'name,event' or 'name,segment'"):
        read_definitions(path)


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("name,start_seconds\na,1.0\n", "line 1: missing column(s) stop_seconds"),
        ("", "the file is empty"),
        ("name,start_seconds,stop_seconds\na,2.0,1.0\n", "line 2: stop_seconds 1.0 is before start_seconds 2.0"),
        ("name,start_seconds,stop_seconds\na,1.0,1.0\na,one,2.0\n", "line 3: start_seconds 'one' is not a number"),
        ("name,start_seconds,stop_seconds\na,1.0,x\n", "line 2: stop_seconds 'x' is not a number"),
        ("name,start_seconds,stop_seconds\n,1.0,2.0\n", "line 2: the song type name is empty"),
        ("name,start_seconds,stop_seconds\na,1.0\n", "line 2: expected 3 values, found 2"),
        ("name,start_seconds,stop_seconds\na,1.0,nan\n", "line 2: start_seconds is 1.0 but stop_seconds is missing"),
        ("name,start_seconds,stop_seconds\na,-1.0,2.0\n", "line 2: start_seconds '-1.0' must be a time in seconds >= 0"),
        ("name,start_seconds,stop_seconds\na,1.0,inf\n", "line 2: stop_seconds 'inf' must be a time"),
    ],
)
def test_bad_csv_names_file_line_and_problem(tmp_path, text, problem):
    path = _write(tmp_path / "bad_annotations.csv", text)
    with pytest.raises(FileFormatError) as caught:
        read_annotations(path)
    assert str(caught.value).startswith(f"{path}: ")
    assert problem in str(caught.value)


def test_unreadable_files_are_file_format_errors(tmp_path):
    with pytest.raises(FileFormatError, match="gone_annotations.csv: cannot read"):
        read_annotations(tmp_path / "gone_annotations.csv")
    binary = tmp_path / "bin_annotations.csv"
    binary.write_bytes(b"\xff\xfe\x00\x81garbage")
    with pytest.raises(FileFormatError, match="bin_annotations.csv: cannot read"):
        read_annotations(binary)


def test_is_annotations_csv_declines_other_csvs(tmp_path):
    assert not is_annotations_csv(_write(tmp_path / "table.csv", "a,b,c\n1,2,3\n"))
    assert not is_annotations_csv(tmp_path / "gone.csv")
    assert is_annotations_csv(_write(tmp_path / "ok.csv", "\ufeffname,start_seconds,stop_seconds\n"))


def test_failed_write_keeps_the_old_file_and_leaves_no_temporary(tmp_path, monkeypatch):
    path = _write(tmp_path / "rec_annotations.csv", "name,start_seconds,stop_seconds\nold,1.0,2.0\n")
    before = path.read_text()

    def write_half_then_fail(self, text, encoding=None):
        with open(self, "w", encoding=encoding) as f:
            f.write(text[: len(text) // 2])
        raise OSError("disk full")

    monkeypatch.setattr(Path, "write_text", write_half_then_fail)
    with pytest.raises(OSError, match="disk full"):
        write_annotations(Annotations(["new"] * 100, np.arange(100.0), np.arange(100.0) + 0.5), path)
    monkeypatch.undo()
    assert path.read_text() == before
    assert [p.name for p in tmp_path.iterdir()] == ["rec_annotations.csv"]


def test_paths_pair_audio_annotations_and_definitions(tmp_path):
    audio = tmp_path / "rec1.WAV"
    audio.write_bytes(b"")
    assert annotations_path_for(audio) == tmp_path / "rec1_annotations.csv"
    assert recording_stem(tmp_path / "rec1_annotations.csv") == "rec1"
    assert recording_stem(tmp_path / "rec1_definitions.csv") == "rec1"
    assert definitions_path_for(audio) == tmp_path / "rec1_definitions.csv"
    assert find_audio_for(tmp_path / "rec1_annotations.csv") == audio
    assert find_audio_for(tmp_path / "other_annotations.csv") is None
