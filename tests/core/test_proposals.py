"""Proposals (``<type>_proposals`` rows): their CSV round trip, replacement in a range, and datasets without them."""

from __future__ import annotations

import logging

import numpy as np
import pytest

from napari_deepss.annotations import Annotations, annotations_path_for, read_annotations, write_annotations
from napari_deepss.dataset import make_dataset, read_attrs
from napari_deepss.errors import FileFormatError
from napari_deepss.proposals import (
    approved_name,
    as_proposals,
    is_proposal,
    proposal_name,
    replace_proposals,
    without_empty_proposal_types,
    without_proposals,
)
from recordings import BIRD_FILES, copy_recordings


def _bird_with_half_proposed(bird_dir, folder, stem):
    """A bird recording whose second half's syllables are proposals; returns the human table."""
    copy_recordings(bird_dir, folder, [stem])
    csv = annotations_path_for(folder / f"{stem}.wav")
    human = read_annotations(csv)
    half = np.nanmax(human.stop_seconds) / 2
    later = human.start_seconds >= half
    names = [proposal_name(n) if late else n for n, late in zip(human.names, later)]
    write_annotations(Annotations(names, human.start_seconds, human.stop_seconds, song_types=human.song_types), csv)
    return human, int(np.sum(later & ~human.is_placeholder))


def test_names():
    assert proposal_name("pulse") == "pulse_proposals" == proposal_name("pulse_proposals")
    assert approved_name("pulse_proposals") == "pulse" == approved_name("pulse")
    assert is_proposal("syll_0_proposals") and not is_proposal("syll_0") and not is_proposal("_proposals")


def test_a_csv_saved_mid_proofreading_reopens_with_proposals_and_approved_rows_apart(bird_dir, tmp_path):
    human, n_proposed = _bird_with_half_proposed(bird_dir, tmp_path, BIRD_FILES[0])
    table = read_annotations(annotations_path_for(tmp_path / f"{BIRD_FILES[0]}.wav"))
    proposed = np.array([is_proposal(n) for n in table.names])
    assert proposed.sum() == n_proposed > 0 and (~proposed & ~table.is_placeholder).sum() > 0
    assert all(table.song_types[n] == "segment" for n in table.names)
    assert np.array_equal(table.start_seconds[~table.is_placeholder], human.start_seconds[~human.is_placeholder])
    approved, left_out = without_proposals(table)
    assert left_out == n_proposed and not any(map(is_proposal, approved.song_types))


def test_replacing_proposals_in_a_range_keeps_everything_else():
    table = Annotations(["pulse", "pulse_proposals", "pulse_proposals", "pulse_proposals"],
                        [1.0, 2.0, 5.0, 9.0], [1.0, 2.0, 5.0, 9.0])
    new = Annotations(["pulse", "pulse", "pulse"], [3.9, 4.5, 6.0], [3.9, 4.5, 6.0])
    result = replace_proposals(table, new, 4.0, 8.0)
    rows = list(zip(result.names, result.start_seconds))
    # the human pulse and the proposals outside [4, 8) stay; the one inside is replaced; 3.9 s lies outside
    assert rows == [("pulse", 1.0), ("pulse_proposals", 2.0), ("pulse_proposals", 4.5), ("pulse_proposals", 6.0),
                    ("pulse_proposals", 9.0)]
    assert result.song_types == {"pulse": "event", "pulse_proposals": "event"}


def test_what_an_approved_annotation_marks_is_not_proposed_again():
    table = Annotations(["pulse", "syll"], [5.0, 6.0], [5.0, 6.5])
    new = Annotations(["pulse", "pulse", "syll", "syll"], [5.004, 5.5, 6.4, 7.0], [5.004, 5.5, 6.8, 7.2])
    result = replace_proposals(table, new, 4.0, 8.0)
    rows = [(n, a) for n, a, p in zip(result.names, result.start_seconds, result.is_placeholder) if not p]
    assert rows == [("pulse", 5.0), ("pulse_proposals", 5.5), ("syll", 6.0), ("syll_proposals", 7.0)]


def test_a_human_annotation_inside_the_range_is_never_replaced():
    table = Annotations(["syll", "syll_proposals"], [4.2, 5.0], [4.4, 5.2])
    result = replace_proposals(table, Annotations(song_types={"syll": "segment"}), 4.0, 8.0)
    real = ~result.is_placeholder
    assert np.asarray(result.names)[real].tolist() == ["syll"] and result.start_seconds[real].tolist() == [4.2]
    assert "syll_proposals" in result.song_types  # declared (a placeholder row), so the table knows the type


def test_empty_proposal_types_are_dropped_before_saving():
    table = as_proposals(Annotations.from_rows([], [], [], song_types={"syll": "segment", "pulse": "event"}))
    assert set(table.song_types) == {"syll", "pulse", "syll_proposals", "pulse_proposals"}
    kept = without_empty_proposal_types(Annotations.from_rows(["pulse_proposals"], [1.0], [1.0],
                                                              song_types=table.song_types))
    assert set(kept.song_types) == {"syll", "pulse", "pulse_proposals"} and kept.names == ["pulse_proposals", "syll",
                                                                                              "pulse"]


def test_a_dataset_leaves_proposals_out_and_says_so(bird_dir, tmp_path, caplog):
    folder = tmp_path / "data"
    human, n_proposed = _bird_with_half_proposed(bird_dir, folder, BIRD_FILES[0])
    with caplog.at_level(logging.WARNING, logger="napari_deepss"):
        summary = make_dataset(folder, tmp_path / "approved.npy")
    assert summary.proposals_left_out == n_proposed and f"left out {n_proposed} proposal(s)" in summary.describe()
    assert f"leaving out {n_proposed} proposal(s)" in caplog.text
    attrs = read_attrs(summary.store_folder)
    assert not any(map(is_proposal, attrs["class_names"]))
    rate = attrs["samplerate_x_Hz"]
    approved = read_annotations(annotations_path_for(folder / f"{BIRD_FILES[0]}.wav"))
    approved = without_proposals(approved)[0].segments()
    expected = sum(int(round(b * rate)) - int(round(a * rate)) + 1 for times in approved.values() for a, b in times)
    song = sum(int(np.sum(np.load(summary.store_folder / split / "y.npy")[:, 1:].sum(axis=1) > 0.5))
               for split in ("train", "val", "test"))
    assert song == expected  # song targets where approved annotations lie, none where only proposals do


def test_a_dataset_of_proposals_only_asks_to_approve_them(bird_dir, tmp_path):
    copy_recordings(bird_dir, tmp_path / "data", BIRD_FILES[:1])
    csv = annotations_path_for(tmp_path / "data" / f"{BIRD_FILES[0]}.wav")
    write_annotations(as_proposals(read_annotations(csv)), csv)
    with pytest.raises(FileFormatError, match="not approved yet"):
        make_dataset(tmp_path / "data", tmp_path / "none.npy")
