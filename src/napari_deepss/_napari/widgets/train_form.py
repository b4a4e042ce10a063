"""The Train widget's form, generated from ``TrainConfig`` by the option form.

Every option of the configuration becomes one magicgui widget with the
option's name, its GUI label and its help text as tooltip, placed in the group
the option declares (Data set, Network, Training, Advanced). Only options whose
meaning needs a special control get their own widget here: the two folders,
the song type (choices come from the chosen dataset), the downsample factor,
the per-block separable switches and the network to continue from (choosing
it fills the network options with that network's).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from magicgui.widgets import CheckBox, ComboBox, Container, Label
from qtpy.QtWidgets import QVBoxLayout, QWidget

from ...dataset.store import read_attrs
from ...errors import FileFormatError
from ...models.spec import separable_flags
from ...options import ADVANCED
from ...training.config import TrainConfig, default_save_dir
from ...training.init_model import source_network_options
from .option_form import FolderEdit, OptionForm, group_boxes

GROUP_TITLES = {"data": "Data set", "network": "Network", "training": "Training", ADVANCED: "Advanced"}
FRONTEND_FIELDS = ("pre_nb_dft", "pre_nb_filters", "pre_kernel_size")
MAX_NB_PRE_CONV = 8  # downsample factors 2x .. 256x
RECOMMENDED_NB_PRE_CONV = 4  # 16x, the DeepSS GUI's recommended start for the frontend
ALL_SONG_TYPES = ("all song types", "")


def song_types(attrs: dict) -> list[str]:
    """Song types with an individual training target (``class_names_<type>`` in the dataset attrs)."""
    prefix = "class_names_"
    return sorted(key[len(prefix):] for key in attrs if key.startswith(prefix))


def _song_type(**common: Any) -> ComboBox:
    """The song type; its choices come from the chosen dataset."""
    return ComboBox(choices=[ALL_SONG_TYPES], **common)


def _network_file(**common: Any) -> FolderEdit:
    """A trained network's ``_model.h5``."""
    return FolderEdit(mode="r", filter="*_model.h5", **common)


def _yaml_file(**common: Any) -> FolderEdit:
    """The augmentations file."""
    return FolderEdit(mode="r", filter="*.yaml *.yml", **common)


class _Row(Container):
    """A borderless horizontal container whose widgets keep to the left."""

    def __init__(self, **kwargs: Any):
        super().__init__(layout="horizontal", labels=False, **kwargs)
        self.margins = (0, 0, 0, 0)
        self.native.layout().addStretch(1)  # widgets are inserted before it


class DownsamplingFrontend(_Row):
    """Frontend on/off and downsample factor; the value is ``nb_pre_conv`` (0 = off).

    The factor is shown as ``16x`` and stored as nb_pre_conv = log2(factor)
    (the DeepSS GUI converted with sqrt, a defect).
    """

    def __init__(self, **kwargs: Any):
        super().__init__(**{**kwargs, "label": "Downsampling frontend, factor"})
        self._on = CheckBox(text="on", value=False, tooltip=kwargs.get("tooltip"))
        choices = [(f"{2**n}x", n) for n in range(1, MAX_NB_PRE_CONV + 1)]
        self._factor = ComboBox(choices=choices, value=RECOMMENDED_NB_PRE_CONV, tooltip="downsample factor")
        self.extend([self._on, self._factor])
        self._on.changed.connect(self._show_state)
        self._show_state()

    def _show_state(self) -> None:
        self._factor.enabled = self._on.value

    @property
    def value(self) -> int:
        return int(self._factor.value) if self._on.value else 0

    @value.setter
    def value(self, nb_pre_conv: int) -> None:
        if nb_pre_conv:
            self._factor.value = int(nb_pre_conv)
        self._on.value = bool(nb_pre_conv)
        self._show_state()


class SeparableBlocks(_Row):
    """One switch per TCN block; the value is ``use_separable`` with one bool per block."""

    def set_blocks(self, n_blocks: int) -> None:
        """Add or remove switches so there is one per block; existing switches keep their state."""
        n_blocks = max(int(n_blocks), 0)
        while len(self) > n_blocks:
            self.pop()
        while len(self) < n_blocks:
            self.append(CheckBox(text=f"{len(self) + 1}", value=False, tooltip=f"block {len(self) + 1}"))

    @property
    def value(self) -> list[bool]:
        return [bool(box.value) for box in self]

    @value.setter
    def value(self, flags: list[bool]) -> None:
        for box, flag in zip(self, separable_flags(flags, len(self))):
            box.value = bool(flag)


class TrainForm(QWidget):
    """Widgets named like the ``TrainConfig`` fields, grouped like the DeepSS Train dialog.

    ``fields`` maps option name -> magicgui widget; ``config()`` reads them,
    ``set_config()`` fills them.
    """

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self._form = OptionForm(TrainConfig, widgets={
            "data_dir": FolderEdit, "save_dir": FolderEdit, "y_suffix": _song_type,
            "nb_pre_conv": DownsamplingFrontend, "use_separable": SeparableBlocks, "init_model": _network_file,
            "augmentations": _yaml_file,
        })
        self.fields = self._form.fields
        self.dataset_status = Label(value="")
        self.dataset_status.native.setWordWrap(True)
        groups = self._form.groups()
        groups["data"].insert(1, self.dataset_status)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(group_boxes(groups, GROUP_TITLES))

        self._default_save_dir = ""
        self.fields["data_dir"].changed.connect(self._dataset_chosen)
        self.fields["nb_conv"].changed.connect(self.fields["use_separable"].set_blocks)
        self.fields["use_separable"].set_blocks(self.fields["nb_conv"].value)
        self.fields["nb_pre_conv"].changed.connect(self._frontend_switched)
        self._frontend_switched()
        self.fields["init_model"].changed.connect(self._network_chosen)

    def config(self) -> TrainConfig:
        """The configuration the form shows (not validated); ValueError naming the option for unreadable text."""
        return self._form.read()

    def set_config(self, config: TrainConfig) -> None:
        """Show ``config``; the song type is set after the data folder, so its choices exist then."""
        self._form.show(config)

    # --- reactions -------------------------------------------------------------------------------------------

    def check_dataset(self) -> dict:
        """The attrs of the chosen dataset; FileFormatError saying why the folder is not one."""
        data_dir = self.fields["data_dir"].value
        if not data_dir:
            raise ValueError("data_dir: choose the dataset folder (a '<name>.npy' folder made by 'Make dataset')")
        return read_attrs(data_dir)

    def _dataset_chosen(self) -> None:
        data_dir = self.fields["data_dir"].value
        types: list[str] = []
        try:
            attrs = self.check_dataset()
        except (FileFormatError, ValueError) as err:
            self.dataset_status.value = f"⚠ {err}" if data_dir else ""
        else:
            types = song_types(attrs)
            names = [str(name) for name in attrs.get("class_names", [])]
            self.dataset_status.value = f"song types: {', '.join(names[1:]) or 'none'}"
        song_type = self.fields["y_suffix"]
        previous = song_type.value
        song_type.choices = [ALL_SONG_TYPES, *((t, t) for t in types)]
        song_type.value = previous if previous in types else ""
        self._suggest_save_dir(data_dir)

    def _suggest_save_dir(self, data_dir: str) -> None:
        """Fill the save folder with ``<name>.res`` unless the user chose another folder."""
        save_dir = self.fields["save_dir"]
        if save_dir.value and save_dir.value != self._default_save_dir:
            return
        self._default_save_dir = str(default_save_dir(data_dir)) if data_dir else ""
        save_dir.value = self._default_save_dir

    def _network_chosen(self) -> None:
        """Continuing from a network takes its network options (the architecture must be the same)."""
        prefix = self.fields["init_model"].value
        if not prefix:
            return
        try:
            options = source_network_options(prefix)
        except (FileFormatError, ValueError) as err:
            self.dataset_status.value = f"⚠ {err}"
            return
        self._form.show(options)
        self.dataset_status.value = f"network options of {Path(prefix).name} (song types may be added)"

    def _frontend_switched(self) -> None:
        frontend = self.fields["nb_pre_conv"].value > 0
        for name in FRONTEND_FIELDS:
            self.fields[name].enabled = frontend
