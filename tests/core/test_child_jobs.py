"""The child-process runner: answers, progress, stop, kill after the grace time, failures with the log tail."""

from __future__ import annotations

import threading

import numpy as np
import pytest
from predict_helpers import amplitude_network

from napari_deepss.child_jobs import ChildJobFailed, run_in_child, runner
from napari_deepss.child_jobs import __main__ as child_main
from napari_deepss.child_jobs.predict import predict_in_child
from napari_deepss.child_jobs.protocol import ChildOutput, describe_exit
from napari_deepss.jobs import Progress, Stopped
from napari_deepss.postprocess import PostprocessOptions
from napari_deepss.prediction import predict
from napari_deepss.training import save_model, write_params

RATE = 1000.0


@pytest.fixture(scope="module")
def network(tmp_path_factory):
    """The amplitude network saved like a trained one; returns ``(model path, model, params)``."""
    model, params = amplitude_network(rate=RATE)
    folder = tmp_path_factory.mktemp("net")
    save_model(model, folder / "amp_model.h5")
    write_params(folder / "amp_params.yaml", params)
    return folder / "amp_model.h5", model, params


@pytest.fixture
def handover(tmp_path, monkeypatch):
    """The folder where the runner's temporary folders go."""
    monkeypatch.setattr("tempfile.tempdir", str(tmp_path))
    return tmp_path


def song(seconds: float) -> np.ndarray:
    t = np.arange(int(seconds * RATE))
    x = np.zeros((len(t), 2), dtype=np.float32)
    x[t % 250 == 0, 0] = 1.0  # a pulse every 250 ms
    x[(t % 1000 > 400) & (t % 1000 < 600), 1] = 1.0  # a syllable every second
    return x


def test_samples_go_in_and_findings_come_back_as_in_process(network, handover):
    path, model, params = network
    x = song(3.0)
    reports = []
    found = predict_in_child(path, PostprocessOptions(), True, samples=x, samplerate=RATE, progress=reports.append)
    expected = predict(x, model, samplerate=RATE, params=params).annotations()
    assert found.annotations.names == expected.names and found.annotations.song_types == expected.song_types
    np.testing.assert_allclose(found.annotations.start_seconds, expected.start_seconds)
    assert found.class_names == ["noise", "pulse", "syll"] and found.band.shape == (2, 3000) and found.band_rate == RATE
    assert reports and (reports[-1].done, reports[-1].total) == (3000, 3000)  # progress forwarded
    assert list(handover.iterdir()) == []  # the hand-over folder is gone


def test_a_stop_reaches_the_job_which_ends_after_its_batch(network, handover):
    stop = threading.Event()
    reports = []

    def progress(p):
        reports.append(p)
        stop.set()

    with pytest.raises(Stopped, match="prediction of audio was stopped") as stopped:
        predict_in_child(network[0], PostprocessOptions(), False, samples=song(600.0), samplerate=RATE,
                         progress=progress, stop=stop)
    assert stopped.value.result is None and reports[-1].done < reports[-1].total
    assert list(handover.iterdir()) == []


def test_a_child_that_does_not_stop_in_time_is_killed(network):
    stop = threading.Event()
    stop.set()  # asked before the child starts; it is still importing TensorFlow when the grace time ends
    request = {"model": str(network[0]), "options": {}, "keep_probabilities": False, "audio": {"path": "x.wav"}}
    with pytest.raises(Stopped, match="the predict job was stopped") as stopped:
        run_in_child("predict", request, grace_s=0.01, stop=stop)
    assert stopped.value.result is None


def test_bad_input_fails_with_the_jobs_message(handover):
    with pytest.raises(ChildJobFailed, match="nothing_model.h5"):
        predict_in_child(handover / "nothing_model.h5", PostprocessOptions(), False, path=handover / "x.wav")


def test_an_error_in_the_job_fails_with_the_traceback_in_the_log():
    with pytest.raises(ChildJobFailed, match="KeyError: 'audio'") as failed:
        run_in_child("predict", {})
    assert any("Traceback" in line for line in failed.value.log)


def test_a_child_that_dies_without_an_answer_is_reported_with_its_exit_and_last_output(monkeypatch):
    monkeypatch.setattr(runner, "CHILD_MODULE", "no_such_module")
    with pytest.raises(ChildJobFailed, match=r"(?s)ended unexpectedly \(exit code 1\).*No module named no_such_module"):
        run_in_child("predict", {})
    assert describe_exit(-9) == "signal 9 (killed, often for lack of memory)"


def test_unknown_jobs_are_refused_before_a_process_starts():
    with pytest.raises(ValueError, match="no child job named 'nap'.*train, predict"):
        run_in_child("nap", {})


def test_the_child_thins_out_reports_but_sends_every_stretchs_first_and_last(capsys, tmp_path, monkeypatch):
    monkeypatch.setattr(child_main, "PROGRESS_INTERVAL_S", 3600.0)  # a slow machine must not let more through
    send = child_main._ThrottledProgress(tmp_path)
    for phase, steps in (("train", 100), ("val", 5), ("", 0)):
        for step in range(1, steps + 1):
            send(Progress(step, steps, "epoch 1/1", phase, {"loss": np.float32(0.5)}))
    send(Progress(7, 0, "unknown total"))
    output = ChildOutput()
    sent = [output.read(line)["progress"] for line in capsys.readouterr().out.splitlines()]
    assert [(p["phase"], p["done"]) for p in sent][:2] == [("train", 1), ("train", 100)]
    assert [(p["phase"], p["done"]) for p in sent][-3:] == [("val", 1), ("val", 5), ("", 7)]
    assert len(sent) == 5 and sent[0]["values"] == {"loss": 0.5}  # numpy numbers cross as JSON numbers
