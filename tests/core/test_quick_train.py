"""Quick train on a real fly slice: trains on the annotated part, proposes the rest, continues in a second round."""

from __future__ import annotations

import threading
from pathlib import Path

import numpy as np
import pytest
import yaml
from predict_helpers import fly_slice

from napari_deepss.annotations import Annotations, annotations_path_for, read_annotations
from napari_deepss.audio import load_audio
from napari_deepss.jobs import Stopped
from napari_deepss.proposals import as_proposals
from napari_deepss.quick_train import (
    RECORD_KEY,
    QuickRecording,
    QuickTrainOptions,
    annotated_range,
    quick_train,
    rest_of,
)

TINY = QuickTrainOptions(minutes=1.0, nb_epoch=3, nb_hist=256, nb_filters=8, kernel_size=8, nb_conv=1)
TRAINED = 8.0  # seconds of the 12 s slice annotated by hand; the rest is to be proposed


@pytest.fixture(scope="module")
def fly(fly_wav, tmp_path_factory):
    wav = fly_slice(fly_wav, tmp_path_factory.mktemp("quick"))
    table = read_annotations(annotations_path_for(wav))
    annotated = table.cropped(0, TRAINED)
    return wav, Annotations(annotated.names, annotated.start_seconds, annotated.stop_seconds)


def test_the_annotated_range_ends_with_the_last_approved_annotation():
    table = Annotations(["pulse", "pulse", "pulse_proposals"], [1.0, 3.0, 9.0], [1.0, 3.0, 9.0])
    assert annotated_range(table) == (0.0, 3.0)
    assert annotated_range(as_proposals(table)) is None
    assert rest_of(12.0, (0.0, 3.0)) == [(3.0, 12.0)] and rest_of(12.0, None) == [(0.0, 12.0)]
    assert rest_of(12.0, (2.0, 5.0)) == [(0.0, 2.0), (5.0, 12.0)]
    assert QuickTrainOptions().nb_pre_conv(32000) == 4 and QuickTrainOptions().nb_pre_conv(2500) == 0
    assert QuickTrainOptions().nb_pre_conv(10000) == 2 and QuickTrainOptions(downsampling="off").nb_pre_conv(32000) == 0


def test_two_rounds_train_propose_the_rest_and_continue(fly, tmp_path):
    wav, annotated = fly
    span = annotated_range(annotated)
    assert TRAINED - 0.5 < span[1] <= TRAINED  # the last pulse before 8 s
    recording = QuickRecording("fly", wav, annotated, train_range=span, propose=rest_of(12.0, span))
    reports = []
    first = quick_train([recording], tmp_path, TINY, progress=reports.append)
    assert {"dataset", "train", "val", "propose"} <= {p.phase for p in reports}
    assert set(first.seconds) == {"dataset", "train", "propose"} and len(first.history["val_loss"]) == 3
    [(proposed_span, found)] = first.proposals["fly"]
    assert proposed_span == (span[1], 12.0)
    times = found.start_seconds[~found.is_placeholder]
    assert set(found.song_types) == {"pulse"} and np.all((times >= span[1]) & (times < 12.0))
    params = yaml.safe_load(open(f"{first.model_prefix}_params.yaml"))
    assert params[RECORD_KEY] == {"fly": [0.0, span[1]]} and params["nb_filters"] == 8
    assert params["post_opt"] is False and "postprocess" not in params  # nothing chosen on seconds of validation

    # round two: more of the recording annotated, a new song type, the network continued
    grown = Annotations.from_rows([*annotated.names, "sine"], np.r_[annotated.start_seconds, 9.0],
                                  np.r_[annotated.stop_seconds, 9.5])
    samples, rate = load_audio(wav)  # from samples this time, as an unsaved recording in napari
    second = quick_train([QuickRecording("fly", samples, grown, rate, (0.0, 10.0), [(10.0, 12.0)])], tmp_path,
                         QuickTrainOptions(**{**TINY.to_dict(), "nb_filters": 32}), init_model=first.model_prefix)
    params = yaml.safe_load(open(f"{second.model_prefix}_params.yaml"))
    assert params["init_model"] == first.model_prefix and params["nb_filters"] == 8  # the network's own options
    assert params["class_names"] == ["noise", "pulse", "sine"] and params["init_model_source"]["added"] == ["sine"]
    proposed = second.proposals["fly"][0][1]
    assert set(proposed.song_types) == {"pulse", "sine"}
    sines = proposed.segments()["sine"]  # none shorter than half the shortest annotated sine (0.5 s)
    assert np.all(sines[:, 1] - sines[:, 0] >= 0.25 - 1e-9)


def test_the_time_limit_keeps_the_best_network_and_stop_ends_the_job(fly, tmp_path):
    wav, annotated = fly
    recording = QuickRecording("fly", wav, annotated, train_range=(0.0, TRAINED), propose=[(TRAINED, 12.0)])
    limited = quick_train([recording], tmp_path, QuickTrainOptions(**{**TINY.to_dict(), "minutes": 0.1,
                                                                      "nb_epoch": 400}))
    assert limited.stopped_early and len(limited.history.get("val_loss", [])) < 400  # maybe within the first epoch
    assert Path(f"{limited.model_prefix}_model.h5").is_file() and "fly" in limited.proposals
    stop = threading.Event()
    stop.set()
    with pytest.raises(Stopped, match="nothing was trained"):
        quick_train([recording], tmp_path / "stopped", TINY, stop=stop)
    with pytest.raises(ValueError, match="nothing is annotated yet"):
        quick_train([QuickRecording("fly", wav, as_proposals(annotated), propose=[(0.0, 12.0)])], tmp_path, TINY)
