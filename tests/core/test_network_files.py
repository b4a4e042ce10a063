"""Loading trained networks: damaged _params.yaml files, DeepSS's YAML tags, and networks made by older code."""

from __future__ import annotations

import json
import logging
import shutil

import h5py
import numpy as np
import pytest
import yaml
from deepss_fixtures import NETWORKS, OLD_NETWORK, deepss_prediction

from napari_deepss.annotations import Annotations
from napari_deepss.audio import load_audio
from napari_deepss.chunk_layout import ChunkLayout, chunk_starts
from napari_deepss.cli import main
from napari_deepss.errors import FileFormatError
from napari_deepss.evaluate import score_annotations
from napari_deepss.network_files import load_network
from napari_deepss.network_params import read_params
from napari_deepss.prediction import predict


def _copy(prefix, folder) -> str:
    for suffix in ("_model.h5", "_params.yaml"):
        shutil.copy(f"{prefix}{suffix}", folder / f"{prefix.name}{suffix}")
    return str(folder / prefix.name)


def _edited(params: dict, change: dict) -> bytes:
    return yaml.safe_dump({k: v for k, v in {**params, **change}.items() if v is not None}).encode()


DAMAGE = {  # name: (params file content from the good params, what the message names)
    "binary garbage": (lambda p: bytes(range(256)) * 8, "not text"),
    "empty": (lambda p: b"", "it is empty"),
    "a YAML list": (lambda p: b"- noise\n- pulse\n", "it is a YAML list"),
    "broken YAML": (lambda p: b"class_names: [noise, pulse\nclass_types: x\n",
                    "not a readable params file: expected ',' or ']', but got ':' at line 2"),
    "a non-numeric rate": (lambda p: _edited(p, {"samplerate_x_Hz": "2.5 kHz"}), "samplerate_x_Hz: must be a positive"),
    "a missing key": (lambda p: _edited(p, {"class_names": None}), "class_names: missing"),
}


@pytest.fixture(params=DAMAGE)
def damaged(request, tmp_path):
    """``(prefix, params path, what the message must name)`` of a copy of a network with a damaged params file."""
    prefix = _copy(NETWORKS / "fly_tcn", tmp_path)
    params_path = tmp_path / "fly_tcn_params.yaml"
    make, named = DAMAGE[request.param]
    params_path.write_bytes(make(yaml.safe_load(params_path.read_text())))
    return prefix, params_path, named


def test_a_damaged_params_file_is_one_error_naming_the_file_and_key(damaged):
    prefix, params_path, named = damaged
    with pytest.raises(FileFormatError, match=named) as error:
        load_network(prefix)
    assert error.value.path == str(params_path)


@pytest.mark.parametrize("command", ["predict", "evaluate"])
def test_dss_predict_and_evaluate_report_a_damaged_params_file(damaged, command, fly_wav, capsys, tmp_path):
    prefix, params_path, named = damaged
    if command == "predict":
        argv = ["predict", str(fly_wav), prefix, "--out-dir", str(tmp_path / "out")]
    else:
        argv = ["evaluate", prefix, str(NETWORKS.parent / "deepss_dataset.npy"), "--output", str(tmp_path / "r.yaml")]
    assert main(argv) == 2
    message = capsys.readouterr().err
    assert message.startswith(f"dss: error: {params_path}: ") and named in message and "Traceback" not in message


def test_the_predict_widgets_child_reports_a_damaged_params_file(tmp_path, fly_wav):
    from napari_deepss.child_jobs.predict import predict_in_child
    from napari_deepss.child_jobs.runner import ChildJobFailed
    from napari_deepss.postprocess import PostprocessOptions

    prefix = _copy(NETWORKS / "fly_tcn", tmp_path)
    (tmp_path / "fly_tcn_params.yaml").write_text("samplerate_x_Hz: fast\nclass_names: [noise, pulse]\n"
                                                   "class_types: [segment, event]\n")
    with pytest.raises(ChildJobFailed, match="fly_tcn_params.yaml: samplerate_x_Hz: must be a positive number"):
        predict_in_child(f"{prefix}_model.h5", PostprocessOptions(), False, path=fly_wav)


def test_deepss_yaml_tags_are_decoded_and_never_run(tmp_path):
    """DeepSS writes params with yaml.dump: numpy scalars (post_opt), tuples; other objects are read as None."""
    path = tmp_path / "x_params.yaml"
    path.write_text(
        "post_opt:\n  gap_dur: !!python/object/apply:numpy.core.multiarray.scalar\n"
        "  - !!python/object/apply:numpy.dtype\n    args: [f8, false, true]\n"
        "    state: !!python/tuple [3, <, null, null, null, -1, -1, 0]\n  - !!binary |\n    jSjtDb4wiT8=\n"
        "shape: !!python/tuple [1, 2]\n"
        "danger: !!python/object/apply:os.system [touch hacked]\n"
    )
    params = read_params(path)
    assert params["post_opt"]["gap_dur"] == pytest.approx(0.0123) and params["shape"] == [1, 2]
    assert params["danger"] is None and not (tmp_path / "hacked").exists()


# --- a network trained by napari-deepss at an older commit keeps predicting ------------------------------------


@pytest.fixture(scope="module")
def old_prediction():
    """What the older code predicted with its network, on the fixture's fly audio."""
    found = json.loads(OLD_NETWORK.with_name(OLD_NETWORK.name + "_predicted.json").read_text())
    probabilities = np.load(OLD_NETWORK.with_name(OLD_NETWORK.name + "_probabilities.npz"))["probabilities"]
    return deepss_prediction("fly_tcn").audio, probabilities, found


def _predicts_as_before(prefix, old_prediction):
    """The network computes what it computed then; today's prediction finds the pulses the older code found.

    The older code ran chunks a stride apart, each keeping its middle; prediction now averages overlapping
    chunks (issue 14), so the network is compared chunk by chunk in the older layout.
    """
    audio, probabilities, found = old_prediction
    model, params = load_network(prefix)
    x, _ = load_audio(audio)  # at the network's rate already
    np.testing.assert_allclose(_in_the_older_layout(model, params, x), probabilities, atol=1e-5)  # batch sizes differ
    pulses = predict(audio, prefix).events["pulse"]
    scores = score_annotations(_pulses(found["events"]["pulse"]), _pulses(pulses), 0.005).events["pulse"]
    assert len(found["events"]["pulse"]) > 10 and scores.f1 > 0.9, scores


def _in_the_older_layout(model, params, x: np.ndarray) -> np.ndarray:
    layout = ChunkLayout.for_model(model, params, len(x))
    n, out, covered = len(x), None, 0
    for start in chunk_starts(n, layout.nb_hist, layout.stride):
        chunk = model.predict_on_batch(x[np.newaxis, start:start + layout.nb_hist])[0]
        out = np.zeros((n, chunk.shape[-1]), np.float32) if out is None else out
        first = 0 if start == 0 else layout.padding
        last = layout.nb_hist if start + layout.nb_hist >= n else layout.nb_hist - layout.padding
        a, b = max(first, covered - start), min(last, n - start)
        out[start + a:start + b], covered = chunk[a:b], start + b
    return out


def _pulses(seconds) -> Annotations:
    seconds = np.asarray(seconds, dtype=float)
    return Annotations.from_rows(["pulse"] * len(seconds), seconds, seconds, {"pulse": "event"})


def test_an_older_network_loads_and_predicts_as_the_older_code_did(old_prediction):
    _predicts_as_before(OLD_NETWORK, old_prediction)


def test_when_keras_cannot_load_it_the_network_is_rebuilt_from_its_params(old_prediction, tmp_path, caplog):
    """A renamed layer class (as after an upgrade) makes keras.models.load_model fail for real."""
    prefix = _copy(OLD_NETWORK, tmp_path)
    with h5py.File(f"{prefix}_model.h5", "r+") as f:
        f.attrs["model_config"] = f.attrs["model_config"].replace("STFTMagnitudeDB", "STFTLayerOfAnOlderRelease")
    with caplog.at_level(logging.WARNING, logger="napari_deepss.network_files"):
        _predicts_as_before(prefix, old_prediction)
    assert "Keras cannot load the saved model" in caplog.text and "rebuilding it from" in caplog.text


def test_a_newer_keras_that_refuses_the_file_falls_back_too(old_prediction, monkeypatch):
    import keras

    def refuse(*args, **kwargs):
        raise TypeError("Could not deserialize class 'Functional' (a newer Keras)")

    monkeypatch.setattr(keras.models, "load_model", refuse)
    _predicts_as_before(OLD_NETWORK, old_prediction)


def test_the_fallback_refuses_weights_it_cannot_place_by_name(tmp_path):
    prefix = _copy(OLD_NETWORK, tmp_path)
    with h5py.File(f"{prefix}_model.h5", "r+") as f:
        f.attrs["model_config"] = f.attrs["model_config"].replace("STFTMagnitudeDB", "Renamed")
        weights = f["model_weights"]
        weights.move("class_logits", "logits")
        names = [n.decode() if isinstance(n, bytes) else n for n in weights.attrs["layer_names"]]
        weights.attrs["layer_names"] = [("logits" if n == "class_logits" else n).encode() for n in names]
    with pytest.raises(FileFormatError, match="has no weights for the layers class_logits"):
        load_network(prefix)
