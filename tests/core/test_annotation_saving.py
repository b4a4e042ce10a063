"""Saving with a backup, the autosave sidecar and its recovery rule (no Qt)."""

from __future__ import annotations

import os
import shutil

import numpy as np

from napari_deepss.annotation_saving import (
    autosave_path_for,
    backup_path_for,
    discard_autosave,
    pending_autosave,
    read_autosave,
    save_annotations,
    write_autosave,
)
from napari_deepss.annotations import Annotations, annotations_path_for, read_annotations


def test_saving_keeps_the_replaced_file_as_backup(tmp_path, fly_wav):
    csv_path = shutil.copy(annotations_path_for(fly_wav), tmp_path / "rec_annotations.csv")
    before = csv_path.read_bytes()
    table = Annotations.from_rows(["pulse"], [1.5], [1.5])
    write_autosave(table, csv_path)
    assert save_annotations(table, csv_path) == csv_path
    assert backup_path_for(csv_path).read_bytes() == before
    assert read_annotations(csv_path).names == ["pulse"]
    assert not autosave_path_for(csv_path).exists()  # a save makes the sidecar obsolete
    save_annotations(Annotations.from_rows(["pulse"], [2.5], [2.5]), csv_path)
    assert read_annotations(backup_path_for(csv_path)).start_seconds.tolist() == [1.5]  # one generation back


def test_first_save_needs_no_backup(tmp_path):
    csv_path = tmp_path / "new_annotations.csv"
    save_annotations(Annotations.from_rows([], [], [], song_types={"sine": "segment"}), csv_path)
    # no backup; the song type definitions go beside the annotations (issue 13 item 5)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["new_annotations.csv", "new_definitions.csv"]


def test_an_autosave_newer_than_the_file_is_pending(tmp_path):
    csv_path = tmp_path / "rec_annotations.csv"
    assert pending_autosave(csv_path) is None
    edits = Annotations.from_rows(["pulse", "pulse"], [1.0, 2.0], [1.0, 2.0])
    write_autosave(edits, csv_path)
    assert pending_autosave(csv_path) == autosave_path_for(csv_path)  # no CSV yet: the sidecar is all there is
    save_annotations(Annotations.from_rows(["pulse"], [1.0], [1.0]), csv_path)
    write_autosave(edits, csv_path)
    sidecar = autosave_path_for(csv_path)
    os.utime(csv_path, ns=(sidecar.stat().st_mtime_ns + 10**9,) * 2)  # saved after the last autosave
    assert pending_autosave(csv_path) is None
    os.utime(sidecar, ns=(csv_path.stat().st_mtime_ns + 10**9,) * 2)
    assert pending_autosave(csv_path) == sidecar
    assert np.array_equal(read_autosave(csv_path).start_seconds, [1.0, 2.0])
    discard_autosave(csv_path)
    assert pending_autosave(csv_path) is None


def test_saving_writes_the_definitions_that_keep_empty_song_types(tmp_path, fly_wav):
    """Issue 13 item 5: a CSV without placeholder rows (DeepSS saves them only with 'Preserve empty')
    still yields song types without annotations, with their kind, from <stem>_definitions.csv."""
    pulses = read_annotations(annotations_path_for(fly_wav))
    table = Annotations.from_rows(pulses.names, pulses.start_seconds, pulses.stop_seconds,
                                  song_types={"pulse": "event", "sine": "segment", "click": "event"})
    csv_path = save_annotations(table, tmp_path / "rec_annotations.csv")
    assert (tmp_path / "rec_definitions.csv").read_text().splitlines() == ["pulse,event", "sine,segment", "click,event"]
    lines = csv_path.read_text().splitlines()
    csv_path.write_text("\n".join(line for line in lines if "nan" not in line) + "\n")  # placeholders gone
    back = read_annotations(csv_path)
    assert back.song_types == {"pulse": "event", "sine": "segment", "click": "event"}
    assert int((~back.is_placeholder).sum()) == 374


def test_saving_through_a_symlinked_csv_edits_the_file_it_points_to(tmp_path, fly_wav):
    real = shutil.copy(annotations_path_for(fly_wav), tmp_path / "shared_annotations.csv")
    real.chmod(0o640)
    before = real.read_bytes()
    (tmp_path / "rec").mkdir()
    link = tmp_path / "rec" / "rec_annotations.csv"
    link.symlink_to(real)
    save_annotations(Annotations.from_rows(["pulse"], [1.5], [1.5]), link)
    assert link.is_symlink() and read_annotations(real).names == ["pulse"]  # the real file got the edits
    assert (real.stat().st_mode & 0o777) == 0o640  # and kept its permissions
    assert backup_path_for(link).read_bytes() == before
