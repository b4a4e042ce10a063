"""Display dock widget: how recordings look (spectrogram, contrast, colours, band-pass, waveform).

The form is generated from :class:`~napari_deepss.display_settings.DisplaySettings`
(one widget per option, named like it: ``widget.form.fields["window"]``).
*Apply* shows every recording in the viewer with the form's settings, in
place and lazily (:mod:`..display_apply`: same layers, same view, annotations
where they were), and remembers them for the recordings opened later, also in
the next sessions (the user's ``display.yaml``). *Save…* and *Load…* write
and read a settings file to share; *Defaults* fills the form with the defaults.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from napari.utils.notifications import show_error, show_info
from qtpy.QtWidgets import QFileDialog, QLabel, QVBoxLayout, QWidget

from ...display_settings import CONTRAST, WAVEFORM, DisplaySettings, load_user_settings, remember
from ...errors import FileFormatError
from ...options import read_yaml, write_yaml
from ...spectrogram import BAND_PASS, SPECTROGRAM
from ..display_apply import apply_display_settings
from ..qt_parts import button, row
from .option_form import OptionForm, group_boxes

GROUP_TITLES = {SPECTROGRAM: "Spectrogram", CONTRAST: "Contrast and colours", BAND_PASS: "Band-pass filter",
                WAVEFORM: "Waveform"}


class DisplayWidget(QWidget):
    """The display settings of every recording in the viewer; Apply, Defaults, Save…, Load…"""

    def __init__(self, napari_viewer):
        super().__init__()
        self.viewer = napari_viewer
        self.form = OptionForm(DisplaySettings)
        self.form.show(load_user_settings())
        self.status = QLabel("")
        self.status.setWordWrap(True)
        buttons = {"Apply": (self.apply, "Show every recording with these settings and remember them."),
                   "Defaults": (lambda: self.form.show(DisplaySettings()), "Fill the form with the defaults."),
                   "Save…": (lambda: self._with_file(self.save_settings, True), "Save the form to a YAML file."),
                   "Load…": (lambda: self._with_file(self.load_settings, False), "Fill the form from a YAML file.")}
        layout = QVBoxLayout(self)
        layout.addWidget(group_boxes(self.form.groups(), GROUP_TITLES))
        layout.addLayout(row(*(button(text, slot, tip=tip) for text, (slot, tip) in buttons.items())))
        layout.addWidget(self.status)
        layout.addStretch()

    def settings(self) -> DisplaySettings:
        """The form's settings; ValueError naming the option for a bad value."""
        settings = self.form.read()
        settings.check_values()
        return settings

    def apply(self) -> DisplaySettings | None:
        """Show every recording with the form's settings and remember them; returns them (None when refused)."""
        try:
            settings = self.settings()
            notes = apply_display_settings(self.viewer, settings)
            path = remember(settings)
        except (OSError, ValueError) as err:
            show_error(f"Display settings not applied: {err}")
            return None
        self.status.setText("\n".join(notes) or f"Applied; remembered in {path}")
        if notes:
            show_info("Display settings: " + "; ".join(notes))
        return settings

    def save_settings(self, path: str | Path) -> Path:
        return write_yaml(self.settings(), path)

    def load_settings(self, path: str | Path) -> None:
        settings = read_yaml(DisplaySettings, path)
        try:
            settings.check_values()
        except ValueError as err:
            raise FileFormatError(path, str(err)) from None
        self.form.show(settings)

    def _with_file(self, action: Callable[[str], object], save: bool) -> None:
        ask = QFileDialog.getSaveFileName if save else QFileDialog.getOpenFileName
        path, _ = ask(self, "Display settings", "", "*.yaml")
        if path:
            try:
                action(path)
            except (OSError, ValueError) as err:
                show_error(f"Display settings: {err}")
