"""How recordings are displayed: spectrogram, contrast, colours, band-pass, waveform; remembered per user.

:class:`DisplaySettings` adds to the spectrogram's computation
(:class:`~.spectrogram.SpectrogramSettings`) what only changes the picture.
Like every options class it makes its own form (the napari *Display* dock).

The settings a user last applied are kept in ``display.yaml`` in the user's
configuration folder (``platformdirs``: ``~/.config/napari-deepss`` on Linux;
the environment variable :data:`CONFIG_DIR_VARIABLE` moves it), and every
recording opened later is shown with them. A broken file is reported and the
defaults are used: a recording always opens.
"""

from __future__ import annotations

import os
import warnings
from dataclasses import dataclass
from pathlib import Path

from .errors import FileFormatError
from .options import option, read_yaml, write_yaml
from .spectrogram import SpectrogramSettings

CONTRAST = "contrast"
WAVEFORM = "waveform"
COLORMAPS = ("magma", "inferno", "viridis", "turbo", "gray", "gray_r")
#: environment variable naming the folder of ``display.yaml`` (default: the user's configuration folder)
CONFIG_DIR_VARIABLE = "NAPARI_DEEPSS_CONFIG_DIR"
USER_FILE = "display.yaml"


@dataclass(frozen=True)
class DisplaySettings(SpectrogramSettings):
    """Everything the *Display* dock sets; the defaults suit any sample rate."""

    auto_contrast: bool = option(True, "Automatic contrast", "Background dark at the recording's median level, "
                                 "brightest at its 99.9th percentile (estimated from excerpts). Off: the dB limits "
                                 "below.", group=CONTRAST)
    contrast_min_db: float = option(-90.0, "Darkest (dB)", "Power shown black without automatic contrast "
                                    "(0 dB: a full-scale sine).", group=CONTRAST, minimum=-200.0, maximum=100.0,
                                    step=1.0)
    contrast_max_db: float = option(-20.0, "Brightest (dB)", "Power shown brightest without automatic contrast.",
                                    group=CONTRAST, minimum=-200.0, maximum=100.0, step=1.0)
    colormap: str = option("magma", "Colormap", "Colours of the spectrogram.", group=CONTRAST, choices=COLORMAPS)
    waveform: bool = option(True, "Show the waveform", "Draw each recording's waveform below its spectrogram.",
                            group=WAVEFORM)
    waveform_gain: float = option(1.0, "Waveform magnification", "1: the loudest sample reaches the edge of the "
                                  "waveform; larger magnifies quiet song (louder samples are drawn at the edge).",
                                  group=WAVEFORM, minimum=0.1, maximum=1000.0, step=0.5)

    def check_values(self) -> None:
        super().check_values()
        if not self.auto_contrast and not self.contrast_min_db < self.contrast_max_db:
            raise ValueError(f"the darkest level ({self.contrast_min_db:g} dB) must lie below the brightest "
                             f"({self.contrast_max_db:g} dB)")


def user_settings_path() -> Path:
    """Where the user's display settings are remembered."""
    folder = os.environ.get(CONFIG_DIR_VARIABLE)
    if not folder:
        import platformdirs

        folder = platformdirs.user_config_dir("napari-deepss", appauthor=False)
    return Path(folder) / USER_FILE


def load_user_settings() -> DisplaySettings:
    """The settings the user last applied; the defaults when there are none or the file is broken (with a warning)."""
    path = user_settings_path()
    if not path.is_file():
        return DisplaySettings()
    try:
        settings = read_yaml(DisplaySettings, path)
        settings.check_values()
    except (FileFormatError, ValueError) as err:
        warnings.warn(f"display settings ignored, defaults used: {err}", stacklevel=2)
        return DisplaySettings()
    return settings


def remember(settings: DisplaySettings) -> Path:
    """Keep ``settings`` for the next recordings and sessions; returns the file."""
    path = user_settings_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    return write_yaml(settings, path)
