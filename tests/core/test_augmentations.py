"""DeepSS's augmentation spec on real fly audio: each augmentation does what DeepSS's does; bad specs are named."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.signal
import soundfile

from napari_deepss.errors import FileFormatError
from napari_deepss.training.augmentations import load_augmentations

DEEPSS_EXAMPLE = """\
Gain:  # Name of the augmentation class
  gain:  # arg for the augmentation class
    Uniform:  # Param type
       lower: 0.5  # param args
       upper: 2  # param args

MaskNoise:
  std:
    Normal:
      mean: 0
      std: 0.05
  mean:
    Constant:
       value: 0

NotchFilter:
  freq:  # Param-type arg
    Uniform:
      lower: 100
      upper: 600
  Q: 30  # standard arg
  samplerate_Hz: 10_000  # standard arg
"""


@pytest.fixture(scope="module")
def chunks(fly_wav):
    """Four chunks of 1024 samples of the real fly recording, [4, 1024, 1] float32."""
    audio, _ = soundfile.read(fly_wav, dtype="float32", frames=4 * 1024, start=20_000)
    return audio.reshape(4, 1024, 1)


def test_deepss_example_file_loads_and_changes_every_chunk_differently(tmp_path, chunks):
    spec = tmp_path / "augmentations.yaml"
    spec.write_text(DEEPSS_EXAMPLE)
    augment = load_augmentations(spec, seed=1)
    assert len(augment) == 3 and list(augment.spec) == ["Gain", "MaskNoise", "NotchFilter"]
    out = augment(chunks)
    assert out.shape == chunks.shape and out.dtype == chunks.dtype
    assert not np.allclose(out, chunks, atol=1e-4)
    gains = [np.std(o) / np.std(c) for o, c in zip(out, chunks)]
    assert len({round(g, 2) for g in gains}) == 4  # parameters are drawn anew for every chunk
    again = load_augmentations(spec, seed=1)(chunks)
    np.testing.assert_array_equal(out, again)  # the seed makes them reproducible


def _one(spec: dict, chunks, seed=0):
    return load_augmentations(spec, seed=seed)(chunks)


def test_each_augmentation_does_what_deepss_does(chunks):
    x = chunks
    np.testing.assert_allclose(_one({"Gain": {"gain": 2.5}}, x), 2.5 * x, rtol=1e-6)
    np.testing.assert_allclose(_one({"Offset": {"offset": {"Constant": {"value": 0.1}}}}, x), x + 0.1, rtol=1e-6)
    np.testing.assert_allclose(_one({"HorizontalFlip": {"flip": 1}}, x), -x)
    np.testing.assert_allclose(_one({"HorizontalFlip": {"flip": -1}}, x), x)
    np.testing.assert_allclose(_one({"CircShift": {"shift": 100}}, x), np.roll(x, 100, axis=1))
    loud = 5 * x / np.abs(x).max()
    np.testing.assert_allclose(np.abs(_one({"NormalizeMax": None}, loud)).max(axis=(1, 2)), 1.0, rtol=1e-6)
    np.testing.assert_allclose(_one({"NormalizeMax": None}, x), x)  # DeepSS divides by at least 1: quiet stays
    np.testing.assert_allclose(_one({"NormalizeStd": None}, x).std(axis=(1, 2)), 1.0, rtol=1e-4)
    masked = _one({"MaskMean": {"duration": 200}}, x)
    changed = np.flatnonzero(np.any(masked != x, axis=(0, 2)))
    assert 0 < len(changed) <= 4 * 200 and all(len(np.unique(m[np.any(m != c, axis=1)])) <= 1
                                                  for m, c in zip(masked, x))
    noisy = _one({"MaskNoise": {"std": 0.01, "duration": 100, "add": True}}, x)
    differs = np.any(noisy != x, axis=2)
    assert differs.sum(axis=1).tolist() == [100] * 4  # a 100-sample stretch of every chunk
    replaced = _one({"MaskNoise": {"std": 0.0, "mean": 0.0}}, x)
    np.testing.assert_array_equal(replaced, x)  # added zero noise over the whole chunk
    slower = _one({"Upsampling": {"factor": 2}}, x)
    np.testing.assert_allclose(slower[:, ::2], x[:, :512], atol=1e-6)  # played at half speed
    notched = _one({"NotchFilter": {"freq": 150, "Q": 5, "samplerate_Hz": 2500}}, x)
    b, a = scipy.signal.iirnotch(150, 5, 2500)
    np.testing.assert_allclose(notched, scipy.signal.filtfilt(b, a, x, axis=1), rtol=1e-4, atol=1e-6)


def test_a_name_used_twice_gets_a_suffix(chunks):
    twice = _one({"Gain-1": {"gain": 2.0}, "Gain-2": {"gain": 3.0}}, chunks)
    np.testing.assert_allclose(twice, 6 * chunks, rtol=1e-6)


@pytest.mark.parametrize(("spec", "message"), [
    ("Blur:\n  sigma: 2\n", "Blur: unknown augmentation; known: Gain, Offset"),
    ("Gain:\n  gain: {Poisson: {lam: 2}}\n", "Gain.gain: expected a number or one of Constant, Normal, Uniform"),
    ("Gain:\n  factor: 2\n", "Gain: missing a required argument: 'gain' \\(arguments: factor\\)"),
    ("Gain:\n  gain: {Uniform: {low: 1}}\n", "Gain.gain: Uniform"),
    ("- Gain\n", "not an augmentation spec"),
    ("Gain: [\n", "cannot read the augmentations"),
])
def test_bad_specs_name_the_file_and_the_entry(tmp_path, spec, message):
    path = tmp_path / "augmentations.yaml"
    path.write_text(spec)
    with pytest.raises(FileFormatError, match=message) as error:
        load_augmentations(path)
    assert str(path) in str(error.value)
