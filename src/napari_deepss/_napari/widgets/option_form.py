"""Magicgui form fields generated from an options class (see :mod:`napari_deepss.options`).

One widget per option, named like it, with the option's label and its help as
tooltip: choices -> ComboBox, bool -> CheckBox, int -> SpinBox (range from the
option), float with a ``step`` -> FloatSpinBox; anything else (other floats,
optional ints, lists, text) is a text field, which keeps exact values (a spin
box would round 0.00012 to its decimals, and a list editor with one box per
number is wider than a dock). Widget modules share this module instead of
importing each other.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from magicgui.widgets import CheckBox, ComboBox, Container, FileEdit, FloatSpinBox, LineEdit, SpinBox, Widget
from qtpy.QtWidgets import QGroupBox, QVBoxLayout, QWidget

from ...options import ADVANCED, OptionField, Options
from ..qt_parts import collapsible

_INT_LIMIT = 2**31 - 1
_FLOAT_LIMIT = 1e6

#: makes the widget of one option; called with ``name=``, ``label=`` and ``tooltip=``
WidgetFactory = Callable[..., Widget]


def _limit(bound: float | None, default: float) -> float:
    return default if bound is None else bound


def _standard_widget(f: OptionField, **common: Any) -> Widget:
    if f.choices is not None:
        return ComboBox(choices=list(f.choices), **common)
    if f.is_list or f.optional:
        return LineEdit(**common)
    if f.kind is bool:
        return CheckBox(**common)
    if f.kind is int:
        return SpinBox(min=_limit(f.minimum, -_INT_LIMIT), max=_limit(f.maximum, _INT_LIMIT), **common)
    if f.kind is float and f.step is not None:
        return FloatSpinBox(min=_limit(f.minimum, -_FLOAT_LIMIT), max=_limit(f.maximum, _FLOAT_LIMIT), step=f.step,
                            **common)
    return LineEdit(**common)


def _as_text(value: Any) -> str:
    """A value as typed in a text field: lists space-separated, None empty."""
    if value is None:
        return ""
    if isinstance(value, list):
        return " ".join(map(str, value))
    return str(value)


def _from_widget(f: OptionField, widget: Widget) -> Any:
    """The widget's value for ``f``: text fields of numbers and lists parsed ('' -> None), not yet converted."""
    value = widget.value
    if not isinstance(widget, LineEdit) or (f.kind is str and not f.is_list):
        return value
    if f.is_list:
        return value.replace(",", " ").split()
    return value.strip() or None


class OptionForm:
    """The widgets of an options class, filled from and read back into it.

    ``fields`` maps option name -> magicgui widget, in field order; the
    caller lays them out (or uses :func:`group_boxes`). ``widgets`` replaces
    the widget of named options (name -> :data:`WidgetFactory`); a
    replacement's ``value`` must take the option's values.
    """

    def __init__(self, options_class: type[Options], widgets: Mapping[str, WidgetFactory] | None = None):
        self.options_class = options_class
        self._options = {f.name: f for f in options_class.fields()}
        widgets = widgets or {}
        self.fields: dict[str, Widget] = {}
        for f in self._options.values():
            common = {"name": f.name, "label": f.label, "tooltip": f.help}
            self.fields[f.name] = widgets[f.name](**common) if f.name in widgets else _standard_widget(f, **common)
        self.show({f.name: f.default for f in self._options.values()})

    def groups(self) -> dict[str | None, list[Widget]]:
        """The widgets by the group of their option, in field order."""
        groups: dict[str | None, list[Widget]] = {}
        for name, widget in self.fields.items():
            groups.setdefault(self._options[name].group, []).append(widget)
        return groups

    def read(self) -> Options:
        """The options the form shows; ValueError naming the option for an empty or unreadable field."""
        values = {name: _from_widget(self._options[name], widget) for name, widget in self.fields.items()}
        for name, value in values.items():
            if value is None and not self._options[name].optional:
                raise ValueError(f"{name}: give a value ({self._options[name].label})")
        return self.options_class.from_dict(values)

    def show(self, options: Options | Mapping[str, Any]) -> None:
        """Show ``options``: an instance, or a dict such as a ``_params.yaml`` (other keys are ignored).

        Fields are set in field order, so a widget may react to an earlier one
        (e.g. offer choices) before its own value is set.
        """
        values = options.to_dict() if isinstance(options, Options) else options
        for name, widget in self.fields.items():
            if name not in values:
                continue
            value = self._options[name].coerce(values[name])
            try:
                widget.value = _as_text(value) if isinstance(widget, LineEdit) else value
            except (TypeError, ValueError) as err:
                raise ValueError(f"{name}: cannot show {value!r} ({err})") from None


def group_boxes(groups: Mapping[str | None, Sequence[Widget]], titles: Mapping[str, str]) -> QWidget:
    """A titled box per group, in the order of ``titles``; the :data:`~napari_deepss.options.ADVANCED` group
    collapsible (closed)."""
    untitled = set(groups) - set(titles)
    if untitled:
        raise ValueError(f"option groups without a title: {', '.join(map(str, untitled))}")
    panel = QWidget()
    layout = QVBoxLayout(panel)
    layout.setContentsMargins(0, 0, 0, 0)
    for group, title in titles.items():
        container = Container(widgets=groups.get(group, ()), labels=True)
        if group == ADVANCED:
            box = collapsible(title, container.native)
        else:
            box = QGroupBox(title)
            QVBoxLayout(box).addWidget(container.native)
        layout.addWidget(box)
    return panel


class FolderEdit(FileEdit):
    """A folder (or, with ``mode="r"``, file) chooser whose value is the path as text, '' for none (as in TrainConfig)."""

    def __init__(self, mode: str = "d", **kwargs: Any):
        super().__init__(mode=mode, nullable=True, **kwargs)

    def get_value(self) -> str:
        folder = super().get_value()
        return "" if folder is None else str(folder)

    def set_value(self, value) -> None:
        super().set_value(value or None)
