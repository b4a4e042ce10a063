"""Playback: the right samples, rate and speed reach the output; a missing library or device is explained."""

from __future__ import annotations

import sys
import types

import numpy as np
import pytest
from fake_audio import FakeClock, FakeOutput

from napari_deepss import playback
from napari_deepss.audio import load_audio
from napari_deepss.bandpass import BandPass


@pytest.fixture
def bird(bird_wav):
    samples, rate = load_audio(bird_wav)
    return samples[:, 0], rate


def _player():
    output, clock = FakeOutput(), FakeClock()
    return playback.Player(lambda: output, clock), output, clock


def test_the_stretch_is_played_at_its_rate_and_speed(bird):
    signal, rate = bird
    player, output, clock = _player()
    assert player.play(signal, rate, 1.0, 1.5, speed=0.5) == (1.0, 1.5)
    [(samples, played_rate, speed)] = output.played
    np.testing.assert_array_equal(samples, signal[32000:48000])
    assert (played_rate, speed) == (rate, 0.5)

    assert player.position() == 1.0
    clock.now += 0.4  # at half speed, 0.4 s of listening is 0.2 s of the recording
    assert player.position() == pytest.approx(1.2)
    clock.now += 0.7
    assert player.position() is None and not player.playing  # the stretch ended


def test_playing_again_stops_the_first_stretch_and_the_range_is_clipped(bird):
    signal, rate = bird
    player, output, _ = _player()
    player.play(signal, rate, 0.0, 1.0)
    assert player.play(signal, rate, -2.0, 0.25, speed=2.0) == (0.0, 0.25)  # a view starting before the recording
    assert output.stops == 1 and len(output.played[1][0]) == 8000
    player.stop()
    assert output.stops == 2 and player.position() is None


def test_the_band_pass_is_heard_as_it_is_seen(bird):
    signal, rate = bird
    player, output, _ = _player()
    band = BandPass(1000, 8000)
    player.play(signal, rate, 2.0, 2.5, band=band)
    np.testing.assert_allclose(output.played[0][0], band.excerpt(signal, 64000, 80000, rate))
    assert not np.allclose(output.played[0][0], signal[64000:80000])


@pytest.mark.parametrize(("start", "stop", "speed", "message"), [
    (0.0, 1.0, 0.01, "speed must be between"),
    (0.0, 1.0, 5.0, "speed must be between"),
    (10.0, 12.0, 1.0, "nothing to play"),
])
def test_bad_requests_are_refused_before_any_sound(bird, start, stop, speed, message):
    signal, rate = bird
    player, output, _ = _player()
    with pytest.raises(ValueError, match=message):
        player.play(signal, rate, start, stop, speed)
    assert output.played == []


def _fake_sounddevice(monkeypatch, devices):
    module = types.ModuleType("sounddevice")
    module.calls = []

    def query_devices(kind=None):
        if devices is None:
            raise ValueError("No output device matching ''")
        return devices

    module.query_devices = query_devices
    module.play = lambda data, samplerate: module.calls.append(("play", data, samplerate))
    module.stop = lambda: module.calls.append(("stop",))
    monkeypatch.setitem(sys.modules, "sounddevice", module)
    return module


def test_sounddevice_output_resamples_to_the_device_rate(monkeypatch, bird):
    signal, rate = bird
    device = _fake_sounddevice(monkeypatch, {"name": "speakers", "default_samplerate": 48000.0})
    player = playback.Player()
    player.play(signal, rate, 1.0, 2.0, speed=0.25)  # 1 s at 32 kHz lasts 4 s at quarter speed
    [(_, sound, device_rate)] = device.calls
    assert device_rate == 48000.0 and len(sound) == pytest.approx(4 * 48000, abs=2)
    assert np.max(np.abs(sound)) <= 1
    player.stop()
    assert device.calls[-1] == ("stop",)


def test_without_a_device_the_reason_is_given(monkeypatch):
    _fake_sounddevice(monkeypatch, None)
    with pytest.raises(playback.PlaybackUnavailable, match="no audio output device"):
        playback.SoundDeviceOutput()


def test_without_the_library_the_extra_to_install_is_named(monkeypatch):
    monkeypatch.setitem(sys.modules, "sounddevice", None)  # import fails as if it were not installed
    with pytest.raises(playback.PlaybackUnavailable, match=r"pip install 'napari-deepss\[audio\]'"):
        playback.Player().play(np.zeros(100, np.float32), 1000.0, 0.0, 0.05)


def test_without_portaudio_the_library_to_install_is_named(monkeypatch, tmp_path):
    (tmp_path / "sounddevice.py").write_text("raise OSError('PortAudio library not found')\n")  # what sounddevice does
    monkeypatch.delitem(sys.modules, "sounddevice", raising=False)
    monkeypatch.syspath_prepend(str(tmp_path))
    with pytest.raises(playback.PlaybackUnavailable, match="PortAudio.*libportaudio2"):
        playback.SoundDeviceOutput()
