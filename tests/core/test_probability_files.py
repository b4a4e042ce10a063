"""Saved probabilities: float16 by default, optionally block means at a lower rate, described by a JSON file."""

from __future__ import annotations

import json

import numpy as np
import pytest
from predict_helpers import saved_amplitude_network, stereo_fly

from napari_deepss.cli import main
from napari_deepss.npy_output import npy_bytes
from napari_deepss.prediction import predict
from napari_deepss.probability_files import ProbabilityFormat, info_path

RATE = 2500.0


@pytest.fixture(scope="module")
def amplitude(fly_wav, tmp_path_factory):
    """A saved two-channel network and a 12 s stereo fly recording (30000 samples) at its rate."""
    folder = tmp_path_factory.mktemp("amplitude")
    return saved_amplitude_network(folder / "net", rate=RATE), stereo_fly(fly_wav, folder / "data")


@pytest.fixture(scope="module")
def float32_trace(amplitude):
    prefix, wav = amplitude
    return predict(wav, prefix, keep_probabilities=True).probabilities


def test_float16_by_default_equal_to_float32_to_its_precision(amplitude, float32_trace, tmp_path):
    prefix, wav = amplitude
    as_float32 = predict(wav, prefix, keep_probabilities=tmp_path / "p32.npy",
                         probability_format=ProbabilityFormat("float32")).probabilities
    assert as_float32.dtype == np.float32 and np.array_equal(as_float32, float32_trace)
    kept = predict(wav, prefix, keep_probabilities=tmp_path / "p16.npy")
    p16 = np.load(tmp_path / "p16.npy")
    assert p16.dtype == np.float16 and p16.shape == (30000, 3) and kept.probabilities_rate == RATE
    assert np.array_equal(p16, float32_trace.astype(np.float16))  # float32 values, rounded once
    assert 0.01 < float32_trace[:, 1].max() and np.abs(p16 - float32_trace).max() <= 2**-11  # half an ulp at 1.0
    assert (tmp_path / "p16.npy").stat().st_size == npy_bytes((30000, 3), np.float16) == 180128  # half of float32
    info = json.loads(info_path(tmp_path / "p16.npy").read_text())
    assert info["samplerate_Hz"] == RATE and info["class_names"] == ["noise", "pulse", "syll"]
    assert info["dtype"] == "float16" and info["samples_per_row"] == 1 and info["shape"] == [30000, 3]


@pytest.mark.parametrize("dtype", ["float32", "float16"])
def test_a_lower_rate_keeps_block_means(amplitude, float32_trace, tmp_path, dtype):
    prefix, wav = amplitude
    # blocks of round(2500 / 7) = 357 samples, across the network's batches of one 64-sample chunk
    kept = predict(wav, prefix, keep_probabilities=tmp_path / "p.npy", batch_size=1,
                   probability_format=ProbabilityFormat(dtype, 7.0))
    p = np.load(tmp_path / "p.npy")
    assert p.dtype == dtype and p.shape == (85, 3)  # 84 full blocks and one of the last 12 samples
    expected = [float32_trace[i:i + 357].mean(axis=0) for i in range(0, 30000, 357)]
    np.testing.assert_allclose(p, expected, rtol=2**-11 if dtype == "float16" else 1e-6, atol=1e-7)
    info = json.loads(info_path(tmp_path / "p.npy").read_text())
    assert info["samplerate_Hz"] == kept.probabilities_rate == RATE / 357 and info["samples_per_row"] == 357
    seconds = np.arange(len(p)) / info["samplerate_Hz"]  # as the module's docstring reads them back
    assert seconds[-1] < 12.0 <= seconds[-1] + 357 / RATE


def test_dss_predict_probability_options(amplitude, tmp_path, capsys):
    prefix, wav = amplitude
    out = ["predict", str(wav), prefix, "--out-dir", str(tmp_path)]
    assert main([*out, "--probabilities-rate", "100"]) == 2
    assert "--probabilities-rate describe(s) the saved probabilities: add --save-probabilities" in capsys.readouterr().err
    assert main([*out, "--save-probabilities", "--probabilities-rate", "100"]) == 0
    saved, info = tmp_path / "stereo_probabilities.npy", tmp_path / "stereo_probabilities.json"
    assert np.load(saved).shape == (1200, 3) and np.load(saved).dtype == np.float16
    assert json.loads(info.read_text())["samplerate_Hz"] == 100.0
    capsys.readouterr()
    assert main([*out, "--save-probabilities", "--probabilities-rate", "100"]) == 0
    assert "predicted 0, skipped 1" in capsys.readouterr().out  # same format: up to date
    assert main([*out, "--save-probabilities", "--probabilities-dtype", "float32"]) == 0
    assert "predicted 1, skipped 0" in capsys.readouterr().out  # another format: predicted again
    assert np.load(saved).shape == (30000, 3) and np.load(saved).dtype == np.float32
    assert json.loads(info.read_text())["samplerate_Hz"] == RATE


def test_bad_formats_are_refused():
    with pytest.raises(ValueError, match="float16 or float32, not 'int8'"):
        ProbabilityFormat("int8")
    with pytest.raises(ValueError, match="must be positive"):
        ProbabilityFormat("float16", 0.0)
