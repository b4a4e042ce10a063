"""Mixed precision: what auto means per machine, the policy inside the network only, a mixed run that learns and
reloads, and networks predicting in another precision than they trained in (ours and DeepSS's)."""

from __future__ import annotations

import numpy as np
import pytest
import yaml
from deepss_fixtures import deepss_prediction
from predict_helpers import fly_slice, saved_amplitude_network

from napari_deepss import make_dataset, train
from napari_deepss.cli import main
from napari_deepss.models import NetworkSpec
from napari_deepss.models.precision import (cpu_flags, dtype_policy, model_precision, prediction_precision,
                                           resolve_precision)
from napari_deepss.network_files import load_network
from napari_deepss.prediction import predict
from napari_deepss.training.config import TrainConfig

TINY = dict(nb_hist=256, nb_filters=8, kernel_size=8, nb_conv=1, dilations=[1, 2, 4], batch_size=16,
            learning_rate=3e-3, verbose=0, html_report=False)


RAW = {"model_name": "tcn", "nb_pre_conv": 0}
STFT = {"model_name": "tcn", "nb_pre_conv": 4}
DEEPSS = {"model_name": "tcn", "nb_pre_conv": 0, "architecture": "deepss"}


@pytest.mark.parametrize("flags, gpus, network, expected", [
    ({"avx512f", "avx512_bf16"}, [], RAW, "bfloat16"),  # this machine's kind, raw audio: measured faster
    ({"avx512f", "avx512_bf16"}, [], STFT, "off"),  # STFT frontend: measured slower in bfloat16
    ({"amx_tile", "amx_bf16"}, [], RAW, "bfloat16"),
    ({"avx2", "avx512f", "fma"}, [], RAW, "off"),  # no native bfloat16: emulated, slower
    (set(), [(8, 6)], STFT, "bfloat16"),  # Ampere and later
    (set(), [(7, 5)], RAW, "float16"),  # Turing, Volta: float16 tensor cores
    (set(), [(8, 0), (7, 0)], RAW, "float16"),  # what every GPU runs
    ({"avx512_bf16"}, [(6, 1)], RAW, "off"),  # an older GPU runs the network, not the CPU
    ({"avx512_bf16"}, [(9, 0)], DEEPSS, "off"),  # DeepSS's layers: float32 keeps DeepSS's probabilities
])
def test_auto_is_what_the_hardware_runs_natively_and_was_measured_faster(flags, gpus, network, expected):
    assert resolve_precision("auto", network, flags=flags, gpus=gpus) == expected
    spec = NetworkSpec.from_options(network, nb_channels=1, nb_classes=2) if "architecture" not in network else None
    if spec is not None:  # a spec is read like its params
        assert resolve_precision("auto", spec, flags=flags, gpus=gpus) == expected
    for choice in ("off", "bfloat16", "float16"):  # an explicit choice is taken as it is
        assert resolve_precision(choice, network, flags=flags, gpus=gpus) == choice
    with pytest.raises(ValueError, match="mixed_precision must be one of auto, off, bfloat16, float16, got 'half'"):
        resolve_precision("half", network, flags=flags, gpus=gpus)


BF16_CPU = {"avx512f", "avx512_bf16"}


@pytest.mark.parametrize("trained, flags, gpus, expected", [
    ("off", BF16_CPU, [], "off"),  # a float32 network keeps the probabilities its scores were measured on
    (None, BF16_CPU, [], "off"),  # older networks recorded nothing: float32
    ("bfloat16", BF16_CPU, [], "bfloat16"),
    ("bfloat16", {"avx2"}, [], "off"),  # trained in bfloat16 elsewhere, emulated here: float32
    ("float16", set(), [(7, 5)], "float16"),
    ("bfloat16", set(), [(7, 5)], "off"),  # a GPU without bfloat16
])
def test_prediction_auto_is_the_trained_precision_where_it_runs_natively(trained, flags, gpus, expected):
    params = dict(RAW, **({} if trained is None else {"trained_precision": trained}))
    assert prediction_precision("auto", params, flags=flags, gpus=gpus) == expected
    assert prediction_precision("bfloat16", params, flags=flags, gpus=gpus) == "bfloat16"  # asked for: taken


def test_cpu_flags_come_from_cpuinfo(tmp_path):
    cpuinfo = tmp_path / "cpuinfo"
    cpuinfo.write_text("processor\t: 0\nmodel name\t: Some CPU\nflags\t\t: fpu avx512f avx512_bf16 amx_tile\n\n"
                       "processor\t: 1\nflags\t\t: fpu avx512f avx512_bf16 amx_tile\n")
    assert cpu_flags(cpuinfo) == {"fpu", "avx512f", "avx512_bf16", "amx_tile"}
    assert cpu_flags(tmp_path / "missing") == frozenset()  # macOS, Windows: auto is off on the CPU


@pytest.mark.parametrize("nb_pre_conv", [0, 2])
def test_the_policy_is_inside_the_network_and_the_outputs_stay_float32(nb_pre_conv):
    import keras

    from napari_deepss.models import build_model

    spec = NetworkSpec(nb_channels=2, nb_classes=3, nb_hist=256, nb_filters=8, kernel_size=4, nb_conv=1,
                       nb_pre_conv=nb_pre_conv)
    model = build_model(spec, "bfloat16")
    assert keras.mixed_precision.dtype_policy().name == "float32"  # reset for the next model
    dtypes = {layer.name: layer.compute_dtype for layer in model.layers}
    assert dtypes["input_projection"] == dtypes["stack0_dilation1_conv"] == dtypes["class_logits"] == "bfloat16"
    assert dtypes["class_probabilities"] == "float32"
    if nb_pre_conv:  # the dB spectrogram and the interpolated logits stay float32; the frontend's conv does not
        assert dtypes["trainable_stft"] == dtypes["upsample_to_input_rate"] == "float32"
        assert dtypes["frontend_conv"] == "bfloat16"
    assert {w.dtype for w in model.weights} == {"float32"}  # weights stay float32: nothing is lost on saving
    x = np.random.default_rng(0).standard_normal((2, 256, 2)).astype("float32")
    probabilities = model.predict_on_batch(x)
    assert probabilities.dtype == np.float32 and probabilities.shape == (2, 256, 3)
    np.testing.assert_allclose(probabilities.sum(axis=-1), 1, atol=1e-5)
    assert model_precision(model) == "bfloat16"
    assert model_precision(build_model(spec)) == "off"  # the next model is float32 throughout
    assert {layer.compute_dtype for layer in build_model(spec).layers} == {"float32"}


def test_the_policy_is_reset_when_a_build_fails():
    import keras

    from napari_deepss.models import build_network

    with pytest.raises(ValueError, match="nb_lstm_units"):  # refused inside the builder, under the policy
        build_network({"architecture": "deepss", "model_name": "tcn", "nb_lstm_units": 8}, "bfloat16")
    assert keras.mixed_precision.dtype_policy().name == "float32"
    with pytest.raises(RuntimeError), dtype_policy("float16"):
        raise RuntimeError("inside")
    assert keras.mixed_precision.dtype_policy().name == "float32"


@pytest.fixture(scope="module")
def mixed_run(fly_wav, tmp_path_factory):
    """A tiny network trained in bfloat16 on 12 s of the real fly recording."""
    folder = tmp_path_factory.mktemp("mixed")
    wav = fly_slice(fly_wav, folder / "data")
    store = make_dataset(wav.parent, folder / "fly.npy", event_std_seconds=0.002).store_folder
    result = train(TrainConfig(data_dir=str(store), save_dir=str(folder / "res"), nb_epoch=4, seed=1,
                               mixed_precision="bfloat16", **TINY))
    return result, wav


def test_a_mixed_run_learns_and_records_its_precision(mixed_run):
    result, _ = mixed_run
    assert result.history["loss"][-1] < 0.8 * result.history["loss"][0]
    assert result.history["val_loss"][-1] < result.history["val_loss"][0]
    params = yaml.safe_load(result.params_path.read_text())
    assert params["mixed_precision"] == "bfloat16" and params["trained_precision"] == "bfloat16"
    assert result.report["pulse"]["support"] > 0 and 0 < result.report["pulse"]["recall"] <= 1  # scored the test


def test_a_mixed_network_reloads_and_predicts_float32_probabilities_in_either_precision(mixed_run):
    result, wav = mixed_run
    prefix = str(result.model_path).removesuffix("_model.h5")
    model, params = load_network(prefix)
    assert model_precision(model) == "bfloat16"  # as it trained
    as_trained = predict(wav, model, params=params, keep_probabilities=True)
    in_float32 = predict(wav, prefix, precision="off", keep_probabilities=True)
    n = round(12.0 * params["samplerate_x_Hz"])
    for prediction in (as_trained, in_float32):
        assert prediction.probabilities.dtype == np.float32 and prediction.probabilities.shape == (n, 2)
        np.testing.assert_allclose(prediction.probabilities.sum(axis=1), 1, atol=1e-5)
    difference = np.abs(as_trained.probabilities - in_float32.probabilities)
    assert 0 < difference.max() < 0.1 and difference.mean() < 0.01  # the same weights, rounded arithmetic
    assert len(in_float32.events["pulse"]) == pytest.approx(len(as_trained.events["pulse"]), rel=0.05)
    assert model_precision(load_network(prefix, "off")[0]) == "off"


def test_a_mixed_network_that_keras_cannot_load_is_rebuilt_in_its_precision(mixed_run, monkeypatch):
    import keras

    result, wav = mixed_run
    prefix = str(result.model_path).removesuffix("_model.h5")
    loaded = predict(wav, prefix, keep_probabilities=True)

    def refuse(*args, **kwargs):
        raise ValueError("a newer Keras")

    monkeypatch.setattr(keras.models, "load_model", refuse)
    model, params = load_network(prefix)
    assert model_precision(model) == "bfloat16"
    rebuilt = predict(wav, model, params=params, keep_probabilities=True)
    np.testing.assert_allclose(rebuilt.probabilities, loaded.probabilities, atol=1e-6)


def test_dss_predict_runs_the_network_in_the_precision_asked_for(mixed_run, tmp_path):
    result, wav = mixed_run
    prefix = str(result.model_path).removesuffix("_model.h5")
    saved = {}
    for precision in ("off", "bfloat16"):
        out = tmp_path / precision
        assert main(["predict", str(wav), prefix, "--out-dir", str(out), "--save-probabilities",
                     "--probabilities-dtype", "float32", "--mixed-precision", precision]) == 0
        saved[precision] = np.load(out / "fly_probabilities.npy")
        expected = predict(wav, prefix, precision=precision, keep_probabilities=True).probabilities
        np.testing.assert_allclose(saved[precision], expected, atol=1e-6)
    assert np.abs(saved["off"] - saved["bfloat16"]).max() > 1e-4  # the two really differ


def test_a_network_its_params_cannot_rebuild_predicts_as_saved_with_a_warning(tmp_path, caplog):
    import logging

    prefix = saved_amplitude_network(tmp_path)  # set by hand; its params do not describe a network
    with caplog.at_level(logging.WARNING, logger="napari_deepss.network_files"):
        model, _ = load_network(prefix, "bfloat16")
    assert model_precision(model) == "off"
    assert "cannot be rebuilt from its params to compute in bfloat16" in caplog.text and "float32 as saved" in caplog.text


def test_a_deepss_network_predicts_in_bfloat16_close_to_deepss(tmp_path):
    deepss = deepss_prediction("bird_tcn_stft")
    model, params = load_network(deepss.prefix, "bfloat16")
    assert model_precision(model) == "bfloat16"
    dtypes = {type(layer).__name__: layer.compute_dtype for layer in model.layers}
    assert dtypes["DeepSSSpectrogram"] == dtypes["Dense"] == dtypes["UpSampling1D"] == "float32"
    ours = predict(deepss.audio, model, params=params, keep_probabilities=True)
    stretch = slice(deepss.first, deepss.end)
    assert ours.probabilities.dtype == np.float32
    difference = np.abs(ours.probabilities[stretch] - deepss.probabilities[stretch])
    assert difference.max() < 0.1 and difference.mean() < 0.01


def test_the_option_reaches_dss_train_and_dss_predict(capsys):
    from napari_deepss.options import to_argv

    config = TrainConfig(data_dir="d.npy", mixed_precision="off")
    assert "--mixed-precision off" in " ".join(to_argv(config)) and config.to_dict()["mixed_precision"] == "off"
    assert TrainConfig().mixed_precision == "auto"
    with pytest.raises(ValueError, match="mixed_precision"):
        TrainConfig(data_dir="d.npy", mixed_precision="half").validate()
    for command in ("train", "predict"):
        with pytest.raises(SystemExit):
            main([command, "--help"])
        assert "--mixed-precision {auto,off,bfloat16,float16}" in capsys.readouterr().out
