"""Display settings: one options class, remembered per user, fitted to each recording's rate."""

from __future__ import annotations

import pytest

from napari_deepss import display_settings as ds
from napari_deepss.errors import FileFormatError
from napari_deepss.options import read_yaml, write_yaml


@pytest.fixture
def config_dir(tmp_path, monkeypatch):
    monkeypatch.setenv(ds.CONFIG_DIR_VARIABLE, str(tmp_path / "config"))
    return tmp_path / "config"


def test_applied_settings_are_remembered_for_the_next_session(config_dir):
    assert ds.load_user_settings() == ds.DisplaySettings()  # nothing remembered yet
    chosen = ds.DisplaySettings(window=512, fmax=8000.0, bandpass_low=300.0, colormap="gray_r", waveform=False,
                                auto_contrast=False, contrast_min_db=-80.0, contrast_max_db=-30.0)
    assert ds.remember(chosen) == config_dir / ds.USER_FILE
    assert ds.load_user_settings() == chosen


def test_a_broken_user_file_is_reported_and_the_defaults_used(config_dir):
    config_dir.mkdir()
    (config_dir / ds.USER_FILE).write_text("window: [big\n")
    with pytest.warns(UserWarning, match="display.yaml"):
        assert ds.load_user_settings() == ds.DisplaySettings()
    (config_dir / ds.USER_FILE).write_text("auto_contrast: false\ncontrast_min_db: -10\ncontrast_max_db: -50\n")
    with pytest.warns(UserWarning, match="darkest level"):
        assert ds.load_user_settings() == ds.DisplaySettings()


def test_a_saved_file_loads_back_and_bad_values_name_the_file(tmp_path):
    path = write_yaml(ds.DisplaySettings(hop=8, waveform_gain=4.0), tmp_path / "fly display.yaml")
    assert read_yaml(ds.DisplaySettings, path) == ds.DisplaySettings(hop=8, waveform_gain=4.0)
    path.write_text("colormap: rainbow\n")
    assert read_yaml(ds.DisplaySettings, path).colormap == "rainbow"  # read as given ...
    with pytest.raises(ValueError, match="colormap must be one of"):
        read_yaml(ds.DisplaySettings, path).check_values()  # ... and refused before it is shown
    path.write_text("window: wide\n")
    with pytest.raises(FileFormatError, match="fly display.yaml.*window"):
        read_yaml(ds.DisplaySettings, path)


def test_frequencies_beyond_a_slower_recording_are_left_open():
    bird = ds.DisplaySettings(fmin=500.0, fmax=10_000.0, bandpass_low=800.0, bandpass_high=9000.0)
    assert bird.fitted(32_000.0) is bird
    fly = bird.fitted(2500.0)  # Nyquist 1250 Hz
    assert (fly.fmin, fly.fmax, fly.bandpass_low, fly.bandpass_high) == (500.0, None, 800.0, None)
    geometry = fly.resolve(2500.0)
    assert geometry.freq_range[1] == 1250.0 and geometry.freq_range[0] >= 500.0
    assert ds.DisplaySettings(fmin=2000.0).fitted(2500.0).fmin == 0.0
