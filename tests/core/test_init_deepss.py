"""Continue training a network trained by DeepSS 0.32 (``dss train --init-model``): on DeepSS's own layers."""

from __future__ import annotations

import importlib
import shutil
from pathlib import Path

import numpy as np
import pytest
import soundfile
import yaml
from deepss_fixtures import NETWORKS
from predict_helpers import fly_slice

from napari_deepss import make_dataset, train
from napari_deepss.annotations import annotations_path_for
from napari_deepss.chunk_layout import ChunkLayout
from napari_deepss.cli import main
from napari_deepss.errors import FileFormatError
from napari_deepss.network_files import load_network
from napari_deepss.prediction import predict
from napari_deepss.training.init_model import RECORD_KEY, initialise, source_network_options

FLY_TCN, FLY2CH_TCN, BIRD_STFT = NETWORKS / "fly_tcn", NETWORKS / "fly2ch_tcn", NETWORKS / "bird_tcn_stft"
QUICK = {"nb_epoch": 1, "batch_size": 16, "verbose": 0, "post_opt": False, "html_report": False}
QUICK_FLAGS = ["--nb-epoch", "1", "--batch-size", "16", "--verbose", "0", "--no-post-opt", "--no-html-report"]


def _prefix(result) -> str:
    return str(result.model_path).removesuffix("_model.h5")


def _layer_types(model) -> set[str]:
    return {type(layer).__name__ for layer in model.layers}


@pytest.fixture(scope="module")
def fly(fly_wav, tmp_path_factory):
    """12 s of the fly recording and a dataset of them, made here (DeepSS's fly_tcn was trained at this rate)."""
    folder = tmp_path_factory.mktemp("fly")
    wav = fly_slice(fly_wav, folder / "data")
    return wav, make_dataset(wav.parent, folder / "fly.npy", event_std_seconds=0.004).store_folder


@pytest.fixture(scope="module")
def continued(fly, tmp_path_factory):
    """``dss train --init-model fly_tcn`` for one epoch; the chunks and the network's outputs on them just after
    ``initialise`` (before any step), before it (fresh weights) and DeepSS's network's own."""
    wav, store = fly
    audio = soundfile.read(wav, dtype="float32")[0]
    chunks = np.stack([audio[:512], audio[10_000:10_512], audio[-512:]])[..., np.newaxis]
    trainer = importlib.import_module("napari_deepss.training.trainer")
    outputs = {}

    def initialised(model, prefix, class_names):
        outputs["fresh"] = np.asarray(model.predict_on_batch(chunks))
        record = initialise(model, prefix, class_names)
        outputs["initialised"] = np.asarray(model.predict_on_batch(chunks))
        outputs["layers"] = _layer_types(model)
        return record

    save_dir = tmp_path_factory.mktemp("continued")
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(trainer, "initialise", initialised)
        code = main(["train", "--data-dir", str(store), "--save-dir", str(save_dir), "--init-model", str(FLY_TCN),
                     *QUICK_FLAGS])
    assert code == 0
    deepss_model, _ = load_network(FLY_TCN)
    outputs["deepss"] = np.asarray(deepss_model.predict_on_batch(chunks))
    (params_path,) = save_dir.glob("*_params.yaml")
    return str(params_path).removesuffix("_params.yaml"), chunks, outputs


def test_the_network_trained_on_starts_as_the_deepss_network(continued):
    _, _, outputs = continued
    assert "DeepSSChannelNormalization" in outputs["layers"]  # DeepSS's layers, not ours
    assert np.abs(outputs["initialised"] - outputs["deepss"]).max() <= 1e-5
    assert np.abs(outputs["fresh"] - outputs["deepss"]).max() > 0.05  # the comparison can tell weights apart


def test_the_dss_train_flags_default_to_the_deepss_networks_options(continued):
    prefix, _, _ = continued
    params = yaml.safe_load(Path(f"{prefix}_params.yaml").read_text())
    assert params["architecture"] == "deepss" and params["init_model"] == str(FLY_TCN)
    assert params[RECORD_KEY]["model"] == str(FLY_TCN) + "_model.h5" and params[RECORD_KEY]["added"] == []
    assert (params["nb_hist"], params["nb_filters"], params["kernel_size"], params["nb_conv"]) == (512, 8, 16, 2)
    assert params["dilations"] == [1, 2, 4, 8] and params["use_separable"] == [False, False]
    assert len(params["history"]["loss"]) == 1 and np.isfinite(params["history"]["loss"][0])


def test_the_continued_network_loads_back_and_predicts(continued, fly, monkeypatch):
    prefix, chunks, _ = continued
    wav, _ = fly
    model, params = load_network(prefix)
    assert "DeepSSChannelNormalization" in _layer_types(model)
    prediction = predict(wav, prefix, keep_probabilities=True)
    assert prediction.class_names == ["noise", "pulse"]
    assert prediction.probabilities.shape == (soundfile.info(wav).frames, 2)
    np.testing.assert_allclose(prediction.probabilities.sum(axis=1), 1, atol=1e-5)
    assert not ChunkLayout.for_model(model, params, 30_000).grid  # trained here: our overlapping chunks
    loaded = np.asarray(model.predict_on_batch(chunks))

    import keras

    def refuse(*args, **kwargs):
        raise TypeError("Could not deserialize class 'Functional' (a newer Keras)")

    monkeypatch.setattr(keras.models, "load_model", refuse)
    rebuilt, _ = load_network(prefix)  # DeepSS's layers rebuilt from the params, the weights in order
    np.testing.assert_allclose(np.asarray(rebuilt.predict_on_batch(chunks)), loaded, atol=1e-6)


def test_a_deepss_network_with_a_frontend_continues_with_its_song_types_matched_by_name(bird_wav, tmp_path):
    folder = tmp_path / "bird"
    folder.mkdir()
    for path in (bird_wav, annotations_path_for(bird_wav)):
        shutil.copy(path, folder / path.name)
    store = make_dataset(folder, tmp_path / "bird.npy").store_folder
    result = train(data_dir=str(store), save_dir=str(tmp_path / "res"), init_model=str(BIRD_STFT),
                   learning_rate=1e-12, **source_network_options(BIRD_STFT), **QUICK)  # the weights stay put
    model, params = load_network(_prefix(result))  # Keras loads DeepSS's frontend layer back
    source, source_params = load_network(BIRD_STFT)
    assert "DeepSSSpectrogram" in _layer_types(model)
    assert params[RECORD_KEY]["dropped"] == ["syll_7", "syll_8"] and params["class_names"][:2] == ["noise", "syll_0"]
    np.testing.assert_allclose(model.get_layer("trainable_stft").get_weights()[0],
                               source.get_layer("trainable_stft").get_weights()[0], atol=1e-6)
    kernel, bias = [layer for layer in model.layers if layer.weights][-1].get_weights()
    old_kernel, old_bias = [layer for layer in source.layers if layer.weights][-1].get_weights()
    columns = [source_params["class_names"].index(name) for name in params["class_names"]]
    np.testing.assert_allclose(kernel, old_kernel[:, columns], atol=1e-6)
    np.testing.assert_allclose(bias, old_bias[columns], atol=1e-6)
    audio, rate = soundfile.read(bird_wav, dtype="float32")
    prediction = predict(audio[:40_000], _prefix(result), samplerate=rate, keep_probabilities=True)
    assert prediction.probabilities.shape == (40_000, len(params["class_names"]))


def test_what_the_deepss_network_cannot_take_is_refused_naming_the_option(fly, tmp_path, capsys):
    _, store = fly
    save_dir = tmp_path / "res"
    assert main(["train", "--data-dir", str(store), "--save-dir", str(save_dir), "--init-model", str(FLY2CH_TCN),
                 *QUICK_FLAGS]) == 2
    assert "nb_channels is 2 in fly2ch_tcn_params.yaml but 1 here" in capsys.readouterr().err
    assert main(["train", "--data-dir", str(store), "--save-dir", str(save_dir), "--init-model", str(FLY_TCN),
                 "--nb-hist", "1024", *QUICK_FLAGS]) == 2
    assert "nb_hist is 512 in fly_tcn_params.yaml but 1024 here" in capsys.readouterr().err
    with pytest.raises(ValueError, match=r"trained at 32000\.0 Hz but the dataset is at 2500(\.0)? Hz"):
        train(data_dir=str(store), save_dir=str(save_dir), init_model=str(BIRD_STFT),
              **source_network_options(BIRD_STFT), **QUICK)
    assert not save_dir.exists() or not list(save_dir.iterdir())  # refused before anything was written


def test_deepss_networks_that_cannot_be_rebuilt_cannot_be_continued(tmp_path):
    for suffix in ("_model.h5", "_params.yaml"):
        shutil.copy(f"{FLY_TCN}{suffix}", tmp_path / f"lstm{suffix}")
    params_path = tmp_path / "lstm_params.yaml"
    params_path.write_text(params_path.read_text().replace("nb_lstm_units: 0", "nb_lstm_units: 16"))
    with pytest.raises(FileFormatError, match="lstm_params.yaml.*nb_lstm_units=16"):
        source_network_options(tmp_path / "lstm")
