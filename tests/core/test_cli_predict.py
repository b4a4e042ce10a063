"""``dss predict`` and ``dss evaluate`` on a tiny network trained on a real fly slice."""

from __future__ import annotations

import json
import re
import shutil

import numpy as np
import pytest
import yaml
from predict_helpers import train_tiny_fly_network

from napari_deepss.annotations import annotations_path_for, read_annotations
from napari_deepss.cli import main


@pytest.fixture(scope="module")
def tiny_network(fly_wav, tmp_path_factory):
    return train_tiny_fly_network(fly_wav, tmp_path_factory.mktemp("tiny"))


@pytest.fixture
def recordings(tiny_network, tmp_path):
    """A folder with two copies of the 12 s fly slice: ``annotated.wav`` (with a human CSV) and ``new.wav``."""
    _, wav = tiny_network
    folder = tmp_path / "recordings"
    folder.mkdir()
    shutil.copy(wav, folder / "annotated.wav")
    shutil.copy(annotations_path_for(wav), folder / "annotated_annotations.csv")
    shutil.copy(wav, folder / "new.wav")
    return folder


def test_predict_writes_annotations_for_a_recording(tiny_network, recordings, capsys):
    prefix, _ = tiny_network
    assert main(["predict", str(recordings / "new.wav"), prefix, "--event-thres", "0.3"]) == 0
    table = read_annotations(recordings / "new_annotations.csv")
    assert table.song_types == {"pulse": "event"}
    assert np.all(table.start_seconds[~table.is_placeholder] <= 12.0)
    assert "new.wav: " in capsys.readouterr().out


def test_predict_never_replaces_existing_annotations_silently(tiny_network, recordings, capsys):
    prefix, _ = tiny_network
    human = (recordings / "annotated_annotations.csv").read_bytes()
    assert main(["predict", str(recordings), prefix]) == 2
    err = capsys.readouterr().err
    assert "annotated_annotations.csv" in err and "--overwrite" in err and "--suffix" in err
    assert (recordings / "annotated_annotations.csv").read_bytes() == human
    assert not (recordings / "new_annotations.csv").exists()  # stopped before predicting anything

    assert main(["predict", str(recordings), prefix, "--suffix", "_predicted_annotations.csv"]) == 0
    assert (recordings / "annotated_annotations.csv").read_bytes() == human
    assert read_annotations(recordings / "annotated_predicted_annotations.csv").song_types == {"pulse": "event"}
    assert (recordings / "new_predicted_annotations.csv").is_file()

    assert main(["predict", str(recordings), prefix, "--overwrite"]) == 0
    assert (recordings / "annotated_annotations.csv").read_bytes() != human
    assert (recordings / "annotated_annotations.csv.bak").read_bytes() == human  # kept, as the GUI's save does
    assert not (recordings / "new_annotations.csv.bak").exists()  # nothing was replaced there


def test_predict_into_another_folder_with_probabilities(tiny_network, recordings, tmp_path):
    prefix, _ = tiny_network
    out = tmp_path / "out"
    assert main(["predict", str(recordings / "new.wav"), prefix + "_model.h5", "--out-dir", str(out),
                 "--save-probabilities", "--probabilities-dtype", "float32"]) == 0
    # the outputs, their provenance records (a hidden folder) and the run's summary; nothing else (no temporary files)
    assert sorted(p.name for p in out.iterdir()) == [".dss-predict", "new_annotations.csv", "new_definitions.csv",
                                                     "new_probabilities.json", "new_probabilities.npy",
                                                     "predict_summary.csv"]
    assert [p.name for p in (out / ".dss-predict").iterdir()] == ["new_annotations.csv.json"]
    probabilities = np.load(out / "new_probabilities.npy")
    assert probabilities.shape == (30000, 2) and probabilities.dtype == np.float32


def test_predict_errors_are_one_line(tiny_network, tmp_path, capsys):
    prefix, _ = tiny_network
    assert main(["predict", str(tmp_path / "missing.wav"), prefix]) == 2
    assert main(["predict", str(tmp_path), prefix]) == 2  # empty folder
    assert main(["predict", str(tmp_path), str(tmp_path / "nothing")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 3 and all(line.startswith("dss: error: ") for line in err)


def test_evaluate_a_network_on_the_test_split(tiny_network, tmp_path, capsys):
    prefix, wav = tiny_network
    dataset = wav.parent.parent / "fly.npy"
    assert main(["evaluate", prefix, str(dataset), "--event-thres", "0.3"]) == 0
    out = capsys.readouterr().out
    assert "event pulse" in out and "sample-wise" in out
    report = yaml.safe_load(open(prefix + "_evaluation.yaml"))
    params = yaml.safe_load(open(prefix + "_params.yaml"))
    assert params["data_splits"]["fly"]["test"] == [[0, 6000]]  # 12 s at 2.5 kHz, the first 20% is the test split
    true_pulses = len(read_annotations(annotations_path_for(wav)).cropped(0, 6000 / 2500).events()["pulse"])
    pulse = report["events"]["pulse"]
    assert true_pulses > 0 and pulse["true_positives"] + pulse["false_negatives"] == true_pulses
    assert np.sum(report["samples"]["confusion_matrix"]) == 6000
    assert report["recordings"] == 1 and report["tolerance_seconds"] == 0.01


def test_evaluate_annotation_files_as_json(tiny_network, recordings, tmp_path, capsys):
    prefix, _ = tiny_network
    assert main(["predict", str(recordings / "annotated.wav"), prefix, "--suffix", "_pred.csv"]) == 0
    output = tmp_path / "report.json"
    assert main(["evaluate", "--true", str(recordings / "annotated_annotations.csv"),
                 "--predicted", str(recordings / "annotated_pred.csv"), "--output", str(output)]) == 0
    report = json.loads(output.read_text())
    true_pulses = len(read_annotations(recordings / "annotated_annotations.csv").events()["pulse"])
    pulse = report["events"]["pulse"]
    assert pulse["true_positives"] + pulse["false_negatives"] == true_pulses
    # folders pair by stem
    assert main(["evaluate", "--true", str(recordings), "--predicted", str(recordings),
                 "--predicted-suffix", "_pred.csv"]) == 0
    assert yaml.safe_load((recordings / "evaluation.yaml").read_text())["recordings"] == 1
    capsys.readouterr()
    assert main(["evaluate", "--true", str(recordings / "annotated_annotations.csv")]) == 2
    assert main(["evaluate"]) == 2
    assert capsys.readouterr().err.count("dss: error:") == 2


def test_predict_starts_from_the_networks_own_post_processing(tiny_network, recordings, tmp_path, capsys):
    """Options chosen for the network (``postprocess`` in its params) are used unless a flag replaces them."""
    prefix, _ = tiny_network
    network = tmp_path / "network"
    network.mkdir()
    for suffix in ("_model.h5", "_params.yaml"):
        shutil.copy(prefix + suffix, network / f"chosen{suffix}")
    params = yaml.safe_load((network / "chosen_params.yaml").read_text())
    params["postprocess"] = {"event_thres": 0.99, "event_dist": 0.05}
    (network / "chosen_params.yaml").write_text(yaml.safe_dump(params))
    wav = recordings / "new.wav"
    counts = {}
    for name, flags in {"chosen": [], "given": ["--event-thres", "0.3"]}.items():
        assert main(["predict", str(wav), str(network / "chosen"), "--out-dir", str(tmp_path / name), *flags]) == 0
        said = capsys.readouterr().out
        assert ("event_thres 0.99" in said) == (name == "chosen") and "event_dist 0.05" in said, said
        table = read_annotations(tmp_path / name / "new_annotations.csv")
        counts[name] = int((~table.is_placeholder).sum())
    assert counts["chosen"] < counts["given"]  # a higher threshold finds fewer pulses


def test_verbose_2_prints_where_the_first_chunk_went(tiny_network, recordings, capsys):
    prefix, _ = tiny_network
    assert main(["predict", str(recordings / "new.wav"), prefix, "--verbose", "2"]) == 0
    err = capsys.readouterr().err
    total, parts = re.search(r"first predicted chunk after ([\d.]+) s since the process started: (.*)", err).groups()
    phases = {name: float(s) for name, s in re.findall(r"([a-z -]+) ([\d.]+) s(?:, |$)", parts)}
    assert list(phases) == ["start-up", "recordings found", "tensorflow import", "network", "first chunk"]
    assert sum(phases.values()) == pytest.approx(float(total), abs=0.1)
    assert err.count("first predicted chunk after") == 1  # once, not per batch


def test_verbose_0_draws_no_bar(tiny_network, recordings, capsys):
    prefix, _ = tiny_network
    assert main(["predict", str(recordings / "new.wav"), prefix, "--verbose", "0"]) == 0
    captured = capsys.readouterr()
    assert "new.wav: " in captured.out and "first predicted chunk" not in captured.err and "s of audio" not in captured.err
