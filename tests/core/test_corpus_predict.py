"""``dss predict`` over a corpus in one process: resume, failures, the summary, what is skipped or protected."""

from __future__ import annotations

import csv
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np
import pytest
import soundfile
from predict_helpers import amplitude_song, saved_amplitude_network, train_tiny_fly_network

from napari_deepss.annotations import Annotations, read_annotations, write_annotations
from napari_deepss.cli import main
from napari_deepss.corpus import PENDING, SKIPPED, find_recordings, predict_corpus
from napari_deepss.jobs import Stopped

# pulses (sample indices) and syllables ([start, stop) samples) of the amplitude network's recordings (1 kHz)
SONGS = {
    "quiet": ([], []),
    "one": ([400], [(1000, 1250)]),
    "busy": ([10, 300, 700, 1990], [(100, 200), (900, 1000), (1500, 1800)]),
}


@pytest.fixture(scope="module")
def fly_network(fly_wav, tmp_path_factory):
    return train_tiny_fly_network(fly_wav, tmp_path_factory.mktemp("tiny"))[0]


@pytest.fixture(scope="module")
def amplitude(tmp_path_factory):
    return saved_amplitude_network(tmp_path_factory.mktemp("amplitude"))


@pytest.fixture
def songs(tmp_path):
    folder = tmp_path / "songs"
    for name, (pulses, syllables) in SONGS.items():
        amplitude_song(folder / f"{name}.wav", pulses, syllables)
    return folder


def _summary(path: Path) -> dict[str, dict[str, str]]:
    with open(path, newline="") as f:
        return {Path(row["recording"]).name: row for row in csv.DictReader(f)}


def _mtimes(folder: Path, pattern: str = "*_annotations.csv") -> dict[str, int]:
    return {p.name: p.stat().st_mtime_ns for p in folder.rglob(pattern)}


def test_the_summary_counts_equal_the_csv_rows(amplitude, songs, capsys):
    assert main(["predict", str(songs), amplitude]) == 0
    summary = _summary(songs / "predict_summary.csv")
    assert list(summary) == ["busy.wav", "one.wav", "quiet.wav"]
    for name, (pulses, syllables) in SONGS.items():
        row = summary[f"{name}.wav"]
        table = read_annotations(songs / f"{name}_annotations.csv")
        events, segments = table.events()["pulse"], table.segments()["syll"]
        assert row["status"] == "done" and float(row["duration_seconds"]) == 2.0
        assert int(row["pulse_events"]) == len(events) == len(pulses)
        assert int(row["syll_segments"]) == len(segments) == len(syllables)
        assert float(row["song_seconds"]) == pytest.approx(np.sum(segments[:, 1] - segments[:, 0]), abs=1e-3)
        assert float(row["song_seconds"]) == pytest.approx(sum(b - a - 1 for a, b in syllables) / 1000, abs=1e-3)
        assert row["output"] == f"{name}_annotations.csv" and float(row["seconds_taken"]) > 0
    assert "busy.wav: 4 pulse, 3 syll -> " in capsys.readouterr().out


def test_a_corrupt_recording_is_reported_and_the_others_are_predicted(fly_network, fly_wav, tmp_path, capsys):
    folder = tmp_path / "corpus"
    folder.mkdir()
    shutil.copy(fly_wav, folder / "good.wav")
    (folder / "garbage.wav").write_bytes(b"RIFF this is not audio" * 10)
    (folder / "cut.wav").write_bytes((folder / "good.wav").read_bytes()[:40])  # a header without samples
    listing = tmp_path / "todo.txt"
    listing.write_text("corpus/good.wav\ncorpus/garbage.wav\ncorpus/cut.wav\ncorpus/gone.wav\n")
    assert main(["predict", str(listing), fly_network, "--summary", str(tmp_path / "run.csv")]) == 1
    err = capsys.readouterr().err
    assert all(f"{name}.wav" in err for name in ("garbage", "cut", "gone")) and "good.wav" not in err
    summary = _summary(tmp_path / "run.csv")
    assert {name: row["status"] for name, row in summary.items()} == {
        "good.wav": "done", "garbage.wav": "failed", "cut.wav": "failed", "gone.wav": "failed"}
    assert "garbage.wav" in summary["garbage.wav"]["message"] and "no such file" in summary["gone.wav"]["message"]
    assert int(summary["good.wav"]["pulse_events"]) == len(read_annotations(folder / "good_annotations.csv"))
    assert summary["garbage.wav"]["pulse_events"] == ""  # nothing found is not "0 found"
    assert sorted(p.name for p in folder.iterdir()) == [".dss-predict", "cut.wav", "garbage.wav", "good.wav",
                                                        "good_annotations.csv", "good_definitions.csv"]


def test_a_rerun_skips_up_to_date_outputs_and_redoes_stale_ones(amplitude, songs):
    assert main(["predict", str(songs), amplitude]) == 0
    first = _mtimes(songs)
    assert main(["predict", str(songs), amplitude]) == 0
    assert _mtimes(songs) == first
    assert {row["status"] for row in _summary(songs / "predict_summary.csv").values()} == {"skipped"}
    assert _summary(songs / "predict_summary.csv")["busy.wav"]["pulse_events"] == "4"  # read back from the CSV

    later = first["one_annotations.csv"] + 1_000_000  # the recording changed after its prediction
    os.utime(songs / "one.wav", ns=(later, later))
    assert main(["predict", str(songs), amplitude]) == 0
    assert {n: r["status"] for n, r in _summary(songs / "predict_summary.csv").items()} == {
        "busy.wav": "skipped", "one.wav": "done", "quiet.wav": "skipped"}
    second = _mtimes(songs)
    assert second["one_annotations.csv"] > first["one_annotations.csv"]
    assert second["busy_annotations.csv"] == first["busy_annotations.csv"]

    for flags in (["--event-thres", "0.6"], ["--event-thres", "0.6", "--force"], ["--event-thres", "0.6",
                                                                                  "--save-probabilities"]):
        assert main(["predict", str(songs), amplitude, *flags]) == 0
        assert {r["status"] for r in _summary(songs / "predict_summary.csv").values()} == {"done"}, flags
    assert main(["predict", str(songs), amplitude, "--event-thres", "0.6", "--save-probabilities"]) == 0
    assert {r["status"] for r in _summary(songs / "predict_summary.csv").values()} == {"skipped"}
    assert np.load(songs / "busy_probabilities.npy").shape == (2000, 3)


def test_annotations_a_person_wrote_or_edited_are_never_replaced(amplitude, songs, capsys):
    write_annotations(Annotations(["syll"], [0.1], [0.2]), songs / "quiet_annotations.csv")
    human_bytes = (songs / "quiet_annotations.csv").read_bytes()
    assert main(["predict", str(songs), amplitude]) == 2
    assert "quiet_annotations.csv" in capsys.readouterr().err
    assert not (songs / "busy_annotations.csv").exists() and not (songs / "predict_summary.csv").exists()

    assert main(["predict", str(songs / "busy.wav"), str(songs / "one.wav"), amplitude]) == 0
    proofread = read_annotations(songs / "busy_annotations.csv")
    write_annotations(proofread.cropped(0, 1.0), songs / "busy_annotations.csv")  # a person removed some
    edited = (songs / "busy_annotations.csv").read_bytes()
    for flags in ([], ["--force"]):
        assert main(["predict", str(songs), amplitude, *flags]) == 2
        err = capsys.readouterr().err
        assert "busy_annotations.csv" in err and "quiet_annotations.csv" in err and "one_annotations" not in err
    assert (songs / "busy_annotations.csv").read_bytes() == edited
    assert (songs / "quiet_annotations.csv").read_bytes() == human_bytes

    assert main(["predict", str(songs), amplitude, "--overwrite"]) == 0
    assert {n: r["status"] for n, r in _summary(songs / "predict_summary.csv").items()} == {
        "busy.wav": "done", "one.wav": "skipped", "quiet.wav": "done"}
    assert len(read_annotations(songs / "busy_annotations.csv").events()["pulse"]) == 4


def test_stopping_keeps_the_finished_recordings_and_a_rerun_does_the_rest(amplitude, songs):
    stop = threading.Event()

    def progress(p):
        if "file" in p.values:
            stop.set()  # after the first recording

    recordings = find_recordings([songs])
    with pytest.raises(Stopped) as stopped:
        predict_corpus(recordings, amplitude, progress=progress, stop=stop)
    outcome = stopped.value.result
    assert [r.status for r in outcome.results] == ["done", PENDING, PENDING]
    assert [r["status"] for r in _summary(outcome.summary).values()] == ["done", "pending", "pending"]
    again = predict_corpus(recordings, amplitude)
    assert [r.status for r in again.results] == [SKIPPED, "done", "done"]


def test_resume_after_a_killed_run_predicts_only_the_missing_files(fly_network, fly_wav, tmp_path):
    folder = tmp_path / "corpus"
    folder.mkdir()
    samples, rate = soundfile.read(fly_wav, dtype="float32")
    for i in range(6):  # the real fly song, circularly shifted so that each recording differs
        soundfile.write(folder / f"fly{i}.wav", np.roll(samples, i * int(7 * rate)), rate)
    argv = ["predict", str(folder), fly_network, "--batch-size", "1"]  # ~1 s per recording
    child = subprocess.Popen([sys.executable, "-m", "napari_deepss", *argv], stdout=subprocess.DEVNULL,
                             stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 180
    while not _mtimes(folder):
        assert child.poll() is None and time.monotonic() < deadline, child.communicate()[1][-2000:]
        time.sleep(0.02)
    child.send_signal(signal.SIGKILL)
    child.communicate()
    before = _mtimes(folder)
    assert 1 <= len(before) < 6, before

    assert main(argv) == 0
    summary = _summary(folder / "predict_summary.csv")
    skipped = {name.replace("_annotations.csv", ".wav") for name in before}
    assert {n for n, r in summary.items() if r["status"] == "skipped"} == skipped
    assert {n for n, r in summary.items() if r["status"] == "done"} == {f"fly{i}.wav" for i in range(6)} - skipped
    after = _mtimes(folder)
    assert len(after) == 6 and all(after[name] == before[name] for name in before)


def test_a_summary_that_cannot_be_written_stops_the_run_before_predicting(amplitude, songs, capsys):
    assert main(["predict", str(songs), amplitude, "--summary", str(songs / "busy.wav" / "summary.csv")]) == 2
    err = capsys.readouterr().err.strip().splitlines()[-1]
    assert err.startswith("dss: error: ") and "cannot write the summary" in err and "--summary" in err
    assert not _mtimes(songs)
