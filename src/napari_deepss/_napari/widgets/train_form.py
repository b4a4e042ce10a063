"""The Train widget's form, generated from the metadata of ``TrainConfig``.

Every option of the configuration becomes one magicgui widget with the
option's name, its GUI label and its help text as tooltip, placed in the group
the option declares (Data set, Network, Training, Advanced). Only options whose
meaning needs a special control are singled out by name: the two folders, the
song type (choices come from the chosen dataset), the network (which switches
the downsampling frontend on/off), the downsample factor and the per-block
separable switches.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from magicgui.widgets import (
    CheckBox,
    ComboBox,
    Container,
    FileEdit,
    Label,
    LineEdit,
    SpinBox,
    Widget,
)
from qtpy.QtWidgets import QGroupBox, QVBoxLayout, QWidget
from superqt import QCollapsible

from ...training.config import TrainConfig, default_save_dir, field_types
from ...dataset.store import read_attrs
from ...errors import FileFormatError

GROUP_TITLES = {"data": "Data set", "network": "Network", "training": "Training", "advanced": "Advanced"}
FOLDER_FIELDS = ("data_dir", "save_dir")
FRONTEND_FIELDS = ("pre_nb_dft", "pre_nb_filters", "pre_kernel_size")
MAX_NB_PRE_CONV = 8  # downsample factors 2x .. 256x
RECOMMENDED_NB_PRE_CONV = 4  # 16x, the DeepSS GUI's recommended start for the frontend
ALL_SONG_TYPES = ("all song types", "")
_INT_MAX = 2**31 - 1


def song_types(attrs: dict) -> list[str]:
    """Song types with an individual training target (``class_names_<type>`` in the dataset attrs)."""
    prefix = "class_names_"
    return sorted(key[len(prefix):] for key in attrs if key.startswith(prefix))


def _as_text(value: Any) -> str:
    """A value as typed in a text field: lists space-separated, None empty."""
    if value is None:
        return ""
    if isinstance(value, list):
        return " ".join(map(str, value))
    return str(value)


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

    def __init__(self, nb_pre_conv: int, **kwargs: Any):
        super().__init__(**kwargs)
        self._on = CheckBox(text="on", value=False, tooltip=kwargs.get("tooltip"))
        choices = [(f"{2**n}x", n) for n in range(1, MAX_NB_PRE_CONV + 1)]
        self._factor = ComboBox(choices=choices, value=RECOMMENDED_NB_PRE_CONV, tooltip="downsample factor")
        self.extend([self._on, self._factor])
        self._on.changed.connect(self._show_state)
        self.value = nb_pre_conv

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

    def __init__(self, n_blocks: int, **kwargs: Any):
        super().__init__(**kwargs)
        self.set_blocks(n_blocks)

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
        flags = list(flags)
        if len(flags) == 1:  # one flag applies to every block, as in TrainConfig
            flags = flags * len(self)
        if len(flags) != len(self):
            raise ValueError(f"use_separable needs one value per TCN block ({len(self)}), got {flags}")
        for box, flag in zip(self, flags):
            box.value = bool(flag)


class TrainForm(QWidget):
    """Widgets named like the ``TrainConfig`` fields, grouped like the DeepSS Train dialog.

    ``fields`` maps option name -> magicgui widget; ``config()`` reads them,
    ``set_config()`` fills them.
    """

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self._kinds = field_types()
        defaults = TrainConfig()
        self.fields: dict[str, Widget] = {}
        groups: dict[str, list[Widget]] = {group: [] for group in GROUP_TITLES}
        for f in dataclasses.fields(TrainConfig):
            widget = self._make_widget(f, getattr(defaults, f.name))
            self.fields[f.name] = widget
            groups[f.metadata["group"]].append(widget)
        self.dataset_status = Label(value="")
        self.dataset_status.native.setWordWrap(True)
        groups["data"].insert(1, self.dataset_status)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        for group, widgets in groups.items():
            container = Container(widgets=widgets, labels=True)
            if group == "advanced":
                box = QCollapsible(GROUP_TITLES[group])
                box.addWidget(container.native)
            else:
                box = QGroupBox(GROUP_TITLES[group])
                QVBoxLayout(box).addWidget(container.native)
            layout.addWidget(box)

        self._default_save_dir = ""
        self.fields["data_dir"].changed.connect(self._dataset_chosen)
        self.fields["nb_conv"].changed.connect(self.fields["use_separable"].set_blocks)
        self.fields["nb_pre_conv"].changed.connect(self._frontend_switched)
        self._frontend_switched()

    # --- building -----------------------------------------------------------------------------------------

    def _make_widget(self, f: dataclasses.Field, default: Any) -> Widget:
        meta, kind = f.metadata, self._kinds[f.name]
        common = {"name": f.name, "label": meta["label"], "tooltip": meta["help"]}
        if f.name in FOLDER_FIELDS:
            return FileEdit(mode="d", nullable=True, value=default or None, **common)
        if f.name == "y_suffix":
            return ComboBox(choices=[ALL_SONG_TYPES], value=default, **common)
        if f.name == "nb_pre_conv":
            common["label"] = "Downsampling frontend, factor"
            return DownsamplingFrontend(default, **common)
        if f.name == "use_separable":
            return SeparableBlocks(TrainConfig().nb_conv, **common)
        if "choices" in meta:
            return ComboBox(choices=list(meta["choices"]), value=default, **common)
        if kind == "bool":
            return CheckBox(value=default, **common)
        if kind == "int":
            return SpinBox(value=default, min=0, max=_INT_MAX, **common)
        # floats, optional ints and number lists are typed as text: a spin box would round 0.00012 to
        # its decimals, and a list editor with one box per number is wider than a dock
        return LineEdit(value=_as_text(default), **common)

    # --- reading and writing --------------------------------------------------------------------------------

    def values(self) -> dict[str, Any]:
        """Raw values of the form by option name (text fields still as text)."""
        values = {}
        for name, widget in self.fields.items():
            value = widget.value
            if isinstance(widget, FileEdit):
                value = "" if value is None else str(value)
            elif isinstance(widget, LineEdit) and self._kinds[name].startswith("list["):
                value = value.replace(",", " ").split()
            elif isinstance(widget, LineEdit) and self._kinds[name] != "str":
                value = value.strip() or None
            values[name] = value
        return values

    def config(self) -> TrainConfig:
        """The configuration the form shows; ValueError naming the option for unreadable text."""
        values = self.values()
        if values["seed"] is None:
            values.pop("seed")
        for name, value in values.items():
            if value is None:
                raise ValueError(f"{name}: give a value ({self.fields[name].label})")
        return TrainConfig.from_dict(values)

    def set_config(self, config: TrainConfig) -> None:
        """Show ``config``; options are set in field order, so the song type choices exist when it is set."""
        for name, value in config.to_dict().items():
            widget = self.fields[name]
            if isinstance(widget, FileEdit):
                value = value or None
            elif isinstance(widget, LineEdit):
                value = _as_text(value)
            try:
                widget.value = value
            except ValueError as err:
                raise ValueError(f"{name}: cannot show {value!r} ({err})") from None

    # --- reactions -------------------------------------------------------------------------------------------

    def check_dataset(self) -> dict:
        """The attrs of the chosen dataset; FileFormatError saying why the folder is not one."""
        data_dir = self.values()["data_dir"]
        if not data_dir:
            raise ValueError("data_dir: choose the dataset folder (a '<name>.npy' folder made by 'Make dataset')")
        return read_attrs(data_dir)

    def _dataset_chosen(self) -> None:
        data_dir = self.values()["data_dir"]
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
        current = "" if save_dir.value is None else str(save_dir.value)
        if current and current != self._default_save_dir:
            return
        self._default_save_dir = str(default_save_dir(data_dir)) if data_dir else ""
        save_dir.value = self._default_save_dir or None

    def _frontend_switched(self) -> None:
        frontend = self.fields["nb_pre_conv"].value > 0
        for name in FRONTEND_FIELDS:
            self.fields[name].enabled = frontend
