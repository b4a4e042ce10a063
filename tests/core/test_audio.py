"""Audio loading: every supported container, real recordings, and clear errors for bad files."""

from __future__ import annotations

import h5py
import numpy as np
import pytest
import soundfile

from napari_deepss.audio import audio_info, is_audio_path, is_deepss_h5, is_deepss_npz, load_audio, save_wav
from napari_deepss.errors import FileFormatError

RATE = 8000


def _tone(n_channels: int, n: int = 4000) -> np.ndarray:
    """A different sine per channel, amplitude 0.5, float32 [n, channels]."""
    t = np.arange(n) / RATE
    return np.stack([0.5 * np.sin(2 * np.pi * 200 * (c + 1) * t) for c in range(n_channels)], axis=1).astype(np.float32)


def _assert_loaded(path, expected: np.ndarray, atol: float) -> None:
    samples, rate = load_audio(path)
    assert samples.dtype == np.float32
    assert samples.shape == expected.shape
    assert rate == RATE
    np.testing.assert_allclose(samples, expected, atol=atol)
    info = audio_info(path)
    assert (info.n_samples, info.n_channels, info.samplerate) == (expected.shape[0], expected.shape[1], RATE)


@pytest.mark.parametrize("n_channels", [1, 3])
@pytest.mark.parametrize(
    ("suffix", "subtype", "atol"),
    [(".wav", "PCM_16", 1e-4), (".wav", "FLOAT", 0), (".flac", "PCM_16", 1e-4), (".aiff", "PCM_16", 1e-4), (".ogg", "VORBIS", 0.1)],
)
def test_soundfile_formats_load_as_float_samples_by_channel(tmp_path, suffix, subtype, atol, n_channels):
    expected = _tone(n_channels)
    path = tmp_path / f"rec{suffix}"
    soundfile.write(path, expected, RATE, subtype=subtype)
    _assert_loaded(path, expected, atol)


def test_int16_pcm_is_scaled_to_unit_range(tmp_path):
    path = tmp_path / "rec.wav"
    soundfile.write(path, np.array([[-32768], [0], [16384], [32767]], dtype=np.int16), RATE, subtype="PCM_16")
    samples, _ = load_audio(path)
    np.testing.assert_allclose(samples[:, 0], [-1.0, 0.0, 0.5, 32767 / 32768])


def test_uppercase_suffix_is_recognised(tmp_path):
    path = tmp_path / "REC.WAV"
    soundfile.write(path, _tone(1), RATE)
    assert is_audio_path(path)
    assert load_audio(path)[0].shape == (4000, 1)


@pytest.mark.parametrize("n_channels", [1, 2])
def test_npz_with_data_and_samplerate(tmp_path, n_channels):
    expected = _tone(n_channels)
    path = tmp_path / "rec.npz"
    np.savez(path, data=expected, samplerate=RATE)
    assert is_deepss_npz(path)
    _assert_loaded(path, expected, 0)


def test_one_dimensional_npz_data_is_one_channel(tmp_path):
    expected = _tone(1)
    path = tmp_path / "rec.npz"
    np.savez_compressed(path, data=expected[:, 0].astype(np.float64), samplerate=np.array([RATE]))
    _assert_loaded(path, expected, 1e-7)


def test_npz_integer_values_are_kept_not_rescaled(tmp_path):
    path = tmp_path / "rec.npz"
    np.savez(path, data=np.array([[1, -2], [300, 4]], dtype=np.int16), samplerate=RATE)
    samples, _ = load_audio(path)
    np.testing.assert_array_equal(samples, [[1, -2], [300, 4]])


@pytest.mark.parametrize("where", ["file attribute", "data attribute", "dataset"])
def test_h5_samplerate_as_attribute_or_dataset(tmp_path, where):
    expected = _tone(2)
    path = tmp_path / "rec.h5"
    with h5py.File(path, "w") as f:
        data = f.create_dataset("data", data=expected)
        if where == "file attribute":
            f.attrs["samplerate"] = RATE
        elif where == "data attribute":
            data.attrs["samplerate"] = RATE
        else:
            f["samplerate"] = RATE
    assert is_deepss_h5(path)
    _assert_loaded(path, expected, 0)


def test_real_recordings_load_mono_at_their_rate(bird_wav, fly_wav):
    for path, rate in ((bird_wav, 32000), (fly_wav, 2500)):
        samples, samplerate = load_audio(path)
        assert samplerate == rate
        assert samples.dtype == np.float32 and samples.shape[1] == 1
        assert 0 < np.abs(samples).max() <= 1
        info = audio_info(path)
        assert (info.n_samples, info.n_channels, info.samplerate) == (samples.shape[0], 1, rate)
    assert audio_info(fly_wav).duration_seconds == pytest.approx(60, abs=0.01)


def test_save_wav_round_trip_is_exact_and_leaves_no_temporary_file(tmp_path):
    expected = _tone(2)
    path = tmp_path / "out.wav"
    save_wav(path, expected, RATE)
    _assert_loaded(path, expected, 0)
    assert [p.name for p in tmp_path.iterdir()] == ["out.wav"]


# --- bad input -------------------------------------------------------------


def _assert_error(path, *words: str) -> None:
    """Both load_audio and audio_info raise FileFormatError naming the file and the problem."""
    for read in (load_audio, audio_info):
        with pytest.raises(FileFormatError) as caught:
            read(path)
        message = str(caught.value)
        assert str(path) in message
        for word in words:
            assert word in message


def _write_pcm_wav(path, n: int = 4000) -> bytes:
    soundfile.write(path, _tone(1, n), RATE, subtype="PCM_16")
    return path.read_bytes()


def test_garbage_bytes_wav(tmp_path):
    path = tmp_path / "noise.wav"
    path.write_bytes(np.random.default_rng(0).integers(0, 256, 1000, dtype=np.uint8).tobytes())
    _assert_error(path, "not recognised")


def test_header_only_wav_holds_no_samples(tmp_path):
    path = tmp_path / "empty.wav"
    path.write_bytes(_write_pcm_wav(path)[:44])
    _assert_error(path, "no samples")


def test_wav_with_a_broken_header(tmp_path):
    path = tmp_path / "cut.wav"
    path.write_bytes(_write_pcm_wav(path)[:20])
    _assert_error(path, "cannot read")


def test_wav_cut_in_half_reads_the_complete_frames_that_remain(tmp_path):
    path = tmp_path / "half.wav"
    whole = _write_pcm_wav(path)
    full, _ = load_audio(path)
    path.write_bytes(whole[: len(whole) // 2 + 1])  # odd cut: the last frame is incomplete
    samples, rate = load_audio(path)
    n_complete = (len(whole) // 2 + 1 - 44) // 2
    assert samples.shape == (n_complete, 1) and rate == RATE
    np.testing.assert_array_equal(samples, full[:n_complete])
    assert audio_info(path).n_samples == n_complete


def test_flac_cut_in_half_is_an_error(tmp_path):
    path = tmp_path / "half.flac"
    soundfile.write(path, _tone(1, 40000), RATE)
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
    with pytest.raises(FileFormatError, match="half.flac: cannot read audio"):
        load_audio(path)


def test_npz_without_data(tmp_path):
    path = tmp_path / "rec.npz"
    np.savez(path, x=_tone(1), samplerate=RATE)
    assert not is_deepss_npz(path)
    _assert_error(path, "no array 'data'", "samplerate, x")


def test_npz_without_samplerate(tmp_path):
    path = tmp_path / "rec.npz"
    np.savez(path, data=_tone(1))
    assert not is_deepss_npz(path)
    _assert_error(path, "no 'samplerate'")


def test_npz_with_non_numeric_data(tmp_path):
    path = tmp_path / "rec.npz"
    np.savez(path, data=np.array([["a"], ["b"]]), samplerate=RATE)
    _assert_error(path, "must be numeric")


def test_npz_with_pickled_objects_is_refused(tmp_path):
    path = tmp_path / "rec.npz"
    np.savez(path, data=np.array([[1.0], [None]], dtype=object), samplerate=RATE)
    with pytest.raises(FileFormatError, match="rec.npz: cannot read the .npz"):
        load_audio(path)


@pytest.mark.parametrize(("data", "problem"), [(np.zeros((0, 1)), "no samples"), (np.zeros((4, 2, 2)), "shape (4, 2, 2)")])
def test_npz_with_unusable_data_layout(tmp_path, data, problem):
    path = tmp_path / "rec.npz"
    np.savez(path, data=data, samplerate=RATE)
    _assert_error(path, problem)


@pytest.mark.parametrize("rate", [0, -1, np.nan, "fast"])
def test_bad_samplerate(tmp_path, rate):
    path = tmp_path / "rec.npz"
    np.savez(path, data=_tone(1), samplerate=rate)
    _assert_error(path, "samplerate")


def test_h5_without_samplerate_or_data(tmp_path):
    path = tmp_path / "rec.h5"
    with h5py.File(path, "w") as f:
        f["data"] = _tone(1)
    assert not is_deepss_h5(path)
    _assert_error(path, "no 'samplerate'")
    with h5py.File(path, "w") as f:
        f["samples"] = _tone(1)
    _assert_error(path, "no dataset 'data'")


def test_corrupt_h5(tmp_path):
    path = tmp_path / "rec.h5"
    path.write_bytes(b"not an hdf5 file at all")
    assert not is_deepss_h5(path)
    _assert_error(path, "cannot read")


def test_unsupported_suffix(tmp_path):
    path = tmp_path / "rec.mp4"
    path.write_bytes(b"\0" * 100)
    assert not is_audio_path(path)
    _assert_error(path, "unsupported audio format '.mp4'", ".wav")


def test_missing_file(tmp_path):
    _assert_error(tmp_path / "gone.wav", "no such file")
