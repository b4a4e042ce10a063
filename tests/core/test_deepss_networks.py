"""Networks trained by DeepSS 0.32 run here and find what DeepSS found (fixtures made by DeepSS itself)."""

from __future__ import annotations

import shutil

import numpy as np
import pytest
import yaml
from deepss_fixtures import DATASET, NETWORK_NAMES, QUANTUM, deepss_prediction

from napari_deepss.annotations import annotations_path_for, read_annotations, write_annotations
from napari_deepss.cli import main
from napari_deepss.errors import FileFormatError
from napari_deepss.network_files import load_network
from napari_deepss.network_params import is_deepss_params
from napari_deepss.prediction import predict


@pytest.fixture(scope="module", params=NETWORK_NAMES)
def compared(request):
    """``(DeepSS's prediction, our prediction)`` of one fixture network on its audio."""
    deepss = deepss_prediction(request.param)
    model, params = load_network(deepss.prefix)
    assert is_deepss_params(params)
    return deepss, predict(deepss.audio, model, params=params, keep_probabilities=True)


def _in_deepss_stretch(deepss, ours):
    """Our events and segments that lie where DeepSS's probabilities are the network's output."""
    first, last = deepss.first / deepss.samplerate, (deepss.end - 1) / deepss.samplerate
    events = sorted((n, t) for n, times in ours.events.items() for t in times if first <= t <= last)
    segments = sorted((n, a, b) for n, times in ours.segments.items() for a, b in times if a >= first and b < last)
    return events, segments


def test_probabilities_equal_deepss(compared):
    deepss, ours = compared
    n = len(deepss.probabilities)
    assert ours.probabilities.shape == deepss.probabilities.shape
    assert deepss.end - deepss.first > 0.7 * n  # most of the audio is compared
    stretch = slice(deepss.first, deepss.end)
    difference = np.abs(ours.probabilities[stretch] - deepss.probabilities[stretch]).max()
    assert difference <= 1e-4 - QUANTUM  # so ours are within 1e-4 of DeepSS's own float32 values
    np.testing.assert_allclose(ours.probabilities.sum(axis=1), 1, atol=1e-5)  # also where DeepSS wrote none


def test_events_and_segments_equal_deepss(compared):
    deepss, ours = compared
    events, segments = _in_deepss_stretch(deepss, ours)
    assert len(deepss.events) + len(deepss.segments) > 30  # the networks do find song
    assert [n for n, _ in events] == [n for n, _ in deepss.events]
    np.testing.assert_allclose([t for _, t in events], [t for _, t in deepss.events], atol=1e-9)
    deepss_segments = [s for s in deepss.segments if s[2] < (deepss.end - 1) / deepss.samplerate]
    assert [s[0] for s in segments] == [s[0] for s in deepss_segments]
    np.testing.assert_allclose([s[1:] for s in segments], [s[1:] for s in deepss_segments], atol=1e-9)


def test_where_deepss_writes_noise_at_the_end_we_find_the_true_pulses():
    """DeepSS overwrites the end of the audio (here its last 1.2 s) with noise; we predict there."""
    deepss = deepss_prediction("fly_tcn")
    ours = predict(deepss.audio, deepss.prefix)
    tail = ours.events["pulse"][ours.events["pulse"] > deepss.end / deepss.samplerate]
    truth = read_annotations(annotations_path_for(deepss.audio)).start_seconds
    assert len(tail) >= 10
    assert np.abs(tail[:, None] - truth[None, :]).min(axis=1).max() < 0.005  # each within 5 ms of a true pulse


@pytest.mark.parametrize("name", ["fly2ch_tcn", "bird_tcn_stft"])
def test_dss_predict_writes_what_das_predict_wrote(name, tmp_path):
    deepss = deepss_prediction(name)
    assert main(["predict", str(deepss.audio), str(deepss.prefix), "--out-dir", str(tmp_path)]) == 0
    ours = read_annotations(tmp_path / annotations_path_for(deepss.audio).name)
    theirs = read_annotations(deepss.prefix.with_name(f"{name}_annotations.csv"))  # das predict's CSV
    last = (deepss.end - 1) / deepss.samplerate

    def rows(table):
        first = deepss.first / deepss.samplerate
        keep = ~table.is_placeholder & (table.stop_seconds < last) & (table.start_seconds >= first)
        return sorted(zip(np.array(table.names)[keep], table.start_seconds[keep], table.stop_seconds[keep]))

    assert len(rows(theirs)) > 30 and [r[0] for r in rows(ours)] == [r[0] for r in rows(theirs)]
    np.testing.assert_allclose([r[1:] for r in rows(ours)], [r[1:] for r in rows(theirs)], atol=1e-9)


def test_the_predict_widgets_child_runs_a_deepss_network():
    from napari_deepss.child_jobs.predict import predict_in_child
    from napari_deepss.postprocess import PostprocessOptions

    deepss = deepss_prediction("bird2ch_tcn_stft")
    found = predict_in_child(f"{deepss.prefix}_model.h5", PostprocessOptions(), True, path=deepss.audio)
    here = predict(deepss.audio, deepss.prefix).annotations()
    assert found.annotations.names == here.names and len(here.names) > 30
    np.testing.assert_allclose(found.annotations.start_seconds, here.start_seconds)
    assert found.class_names == deepss.class_names and found.band.shape[0] == len(deepss.class_names) - 1


def test_dss_evaluate_scores_a_deepss_network_on_a_deepss_dataset(tmp_path, monkeypatch, fly_dir):
    """The dataset names its data folder relative to where DeepSS ran: evaluate from there."""
    import napari_deepss.dataset as ds

    attrs = ds.read_attrs(DATASET)
    (tmp_path / attrs["data_folder"]).mkdir()
    truth = read_annotations(next(fly_dir.glob("*_annotations.csv"))).cropped(0.0, 10.0)
    (recording,) = attrs["data_splits"]
    write_annotations(truth, tmp_path / attrs["data_folder"] / f"{recording.split('/')[-1]}_annotations.csv")
    monkeypatch.chdir(tmp_path)
    report = tmp_path / "report.yaml"
    prefix = deepss_prediction("fly_tcn").prefix
    assert main(["evaluate", str(prefix), str(DATASET), "--output", str(report)]) == 0
    scores = yaml.safe_load(report.read_text())["events"]["pulse"]
    assert scores["true_positives"] > 5 and scores["f1"] > 0.5


def _copy(name: str, folder) -> str:
    for suffix in ("_model.h5", "_params.yaml"):
        shutil.copy(deepss_prediction(name).prefix.with_name(name + suffix), folder / (name + suffix))
    return str(folder / name)


@pytest.mark.parametrize(("change", "named"), [
    ({"nb_lstm_units": 16}, "nb_lstm_units"),
    ({"model_name": "stft_res_dense"}, "model_name 'stft_res_dense'"),
    ({"upsample": False}, "upsample"),
    ({"nb_filters": 16}, "weights of layer 'conv1d'"),
    ({"nb_conv": 3}, "layers with weights"),
    ({"nb_filters": None}, "nb_filters: missing"),
])
def test_what_cannot_be_rebuilt_is_refused_by_name(change, named, tmp_path):
    prefix = _copy("fly_tcn", tmp_path)
    params_path = tmp_path / "fly_tcn_params.yaml"
    params = {**yaml.safe_load(params_path.read_text()), **change}
    params_path.write_text(yaml.safe_dump({key: value for key, value in params.items() if value is not None}))
    with pytest.raises(FileFormatError, match=named) as refused:
        load_network(prefix)
    assert "fly_tcn_" in str(refused.value)
