"""``dss convert``: files and folders between formats, on copies of the real annotations."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.io

from napari_deepss.annotation_formats import read_annotation_file, read_recording_annotations
from napari_deepss.annotations import Annotations, read_annotations, write_annotations
from napari_deepss.audio import audio_info
from napari_deepss.cli import main
from recordings import BIRD_FILES, copy_recordings


@pytest.fixture
def bird_folder(bird_dir, tmp_path):
    return copy_recordings(bird_dir, tmp_path / "bird", BIRD_FILES)


def _tables(folder) -> dict[str, Annotations]:
    return {p.name.removesuffix("_annotations.csv"): read_annotations(p) for p in sorted(folder.glob("*_annotations.csv"))}


def _same(a: Annotations, b: Annotations) -> bool:
    return (a.names == b.names and np.array_equal(a.start_seconds, b.start_seconds, equal_nan=True)
            and np.array_equal(a.stop_seconds, b.stop_seconds, equal_nan=True) and a.song_types == b.song_types)


@pytest.mark.parametrize("fmt", ["textgrid", "raven", "audacity"])
def test_a_folder_goes_to_another_format_and_back_unchanged(fmt, bird_folder, tmp_path, capsys):
    assert main(["convert", str(bird_folder), str(tmp_path / fmt), "--to", fmt]) == 0
    written = sorted(p.name for p in (tmp_path / fmt).iterdir())
    assert len(written) == 2 * len(BIRD_FILES)  # each file and its definitions
    assert f"-> {tmp_path / fmt}" in capsys.readouterr().out
    assert main(["convert", str(tmp_path / fmt), str(tmp_path / "back"), "--to", "deepss"]) == 0
    original, back = _tables(bird_folder), _tables(tmp_path / "back")
    assert list(back) == list(original)
    assert all(_same(back[name], original[name]) for name in original)


def test_a_folder_becomes_one_generic_seq_file_and_splits_again(bird_folder, tmp_path):
    target = tmp_path / "all.csv"
    assert main(["convert", str(bird_folder), str(target), "--to", "generic-seq"]) == 0
    records = read_annotation_file(target)
    assert [r.recording for r in records] == list(BIRD_FILES)
    header = target.read_text().splitlines()[0]
    assert header == "label,onset_s,offset_s,notated_path,annot_path,sequence,annotation"
    assert main(["convert", str(target), str(tmp_path / "split"), "--to", "deepss"]) == 0
    original, back = _tables(bird_folder), _tables(tmp_path / "split")
    for name, table in original.items():
        # one definitions file for the whole CSV: each recording comes back knowing every song type of the set
        rows = ~back[name].is_placeholder
        assert _same(Annotations(list(np.array(back[name].names)[rows]), back[name].start_seconds[rows],
                                 back[name].stop_seconds[rows]), table)
        assert back[name].song_types == {t: "segment" for t in sorted({n for t in original.values() for n in t.names})}


def test_notmat_stores_the_recordings_rate_and_name(bird_folder, tmp_path):
    table = read_annotations(bird_folder / "bird0_003_annotations.csv")
    write_annotations(Annotations([n[-1] for n in table.names], table.start_seconds, table.stop_seconds),
                      bird_folder / "bird0_003_annotations.csv")
    assert main(["convert", str(bird_folder / "bird0_003_annotations.csv"), str(tmp_path / "evsonganaly"),
                 "--to", "notmat"]) == 0
    path = tmp_path / "evsonganaly" / "bird0_003.wav.not.mat"
    stored = scipy.io.loadmat(path, squeeze_me=True)
    assert stored["Fs"] == audio_info(bird_folder / "bird0_003.wav").samplerate and stored["fname"] == "bird0_003.wav"
    assert np.allclose(stored["onsets"], table.start_seconds * 1000)  # evsonganaly keeps milliseconds
    back = read_recording_annotations(path)
    assert np.abs(back.start_seconds - table.start_seconds).max() < 1e-9


def test_nothing_is_written_when_one_file_cannot_be(bird_folder, tmp_path, capsys):
    assert main(["convert", str(bird_folder), str(tmp_path / "evsonganaly"), "--to", "notmat"]) == 2
    assert "'syll_0' is not a single character" in capsys.readouterr().err
    assert not (tmp_path / "evsonganaly").exists() or not any((tmp_path / "evsonganaly").iterdir())


def test_existing_targets_are_kept_without_overwrite(bird_folder, tmp_path, capsys):
    assert main(["convert", str(bird_folder), str(tmp_path / "tg"), "--to", "textgrid"]) == 0
    first = tmp_path / "tg" / "bird0_003.TextGrid"
    first.write_text("mine")
    assert main(["convert", str(bird_folder), str(tmp_path / "tg"), "--to", "textgrid"]) == 2
    assert "exist" in capsys.readouterr().err and first.read_text() == "mine"
    assert main(["convert", str(bird_folder), str(tmp_path / "tg"), "--to", "textgrid", "--overwrite"]) == 0
    assert first.read_text().startswith('File type = "ooTextFile"')


def test_formats_must_be_named_where_names_do_not_tell(bird_folder, tmp_path, capsys):
    source = bird_folder / "bird0_003_annotations.csv"
    assert main(["convert", str(source), str(tmp_path / "labels.txt")]) == 2
    assert "several formats (raven, audacity)" in capsys.readouterr().err
    assert main(["convert", str(source), str(tmp_path / "labels.txt"), "--to", "audacity"]) == 0
    assert main(["convert", str(source), str(tmp_path / "folder")]) == 2
    assert "--to" in capsys.readouterr().err
    assert main(["convert", str(tmp_path / "labels.txt"), str(bird_folder / "again.TextGrid")]) == 0  # read: by content
    (bird_folder / "bird0_005.TextGrid").write_text((bird_folder / "again.TextGrid").read_text())
    assert main(["convert", str(bird_folder), str(tmp_path / "mixed"), "--to", "raven"]) == 2
    assert "choose one with --from" in capsys.readouterr().err
    assert main(["convert", str(bird_folder), str(tmp_path / "mixed"), "--from", "textgrid", "--to", "raven"]) == 0
    assert sorted(p.name for p in (tmp_path / "mixed").glob("*.txt")) == ["again.Table.1.selections.txt",
                                                                          "bird0_005.Table.1.selections.txt"]
