"""The option form: widgets generated from an options class, read back into it; widget modules stay apart."""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml
from magicgui.widgets import CheckBox, ComboBox, FloatSpinBox, LineEdit, SpinBox
from qtpy.QtWidgets import QGroupBox
from superqt import QCollapsible

import napari_deepss
from napari_deepss._napari import widgets
from napari_deepss._napari.widgets.option_form import OptionForm, group_boxes
from napari_deepss._napari.widgets.train_form import GROUP_TITLES, TrainForm
from napari_deepss.options import ADVANCED, Options, option
from napari_deepss.training.config import TrainConfig


@dataclass(frozen=True)
class Toy(Options):
    mode: str = option("fast", "Mode", "How to run.", choices=("fast", "exact"), group="main")
    loud: bool = option(False, "Loud", "Say more.", group="main")
    count: int = option(3, "Count", "How many.", minimum=1, maximum=10, group="main")
    width: float = option(0.5, "Width", "How wide.", minimum=0.0, maximum=1.0, step=0.01, group="main")
    rate: float = option(0.00012, "Rate", "How fast.", group=ADVANCED)
    sizes: list[int] = option([1, 2], "Sizes", "Sizes.", group=ADVANCED)
    seed: int | None = option(None, "Seed", "Optional seed.", group=ADVANCED)
    note: str = option("", "Note", "Free text.", group=ADVANCED)


def test_widgets_follow_the_options(qtbot):
    form = OptionForm(Toy)
    kinds = {name: type(widget) for name, widget in form.fields.items()}
    assert kinds == {"mode": ComboBox, "loud": CheckBox, "count": SpinBox, "width": FloatSpinBox, "rate": LineEdit,
                     "sizes": LineEdit, "seed": LineEdit, "note": LineEdit}
    for f in Toy.fields():
        widget = form.fields[f.name]
        assert (widget.name, widget.label, widget.tooltip) == (f.name, f.label, f.help)
    assert (form.fields["count"].min, form.fields["count"].max) == (1, 10)
    assert form.fields["width"].step == 0.01
    assert form.fields["rate"].value == "0.00012" and form.fields["sizes"].value == "1 2"
    assert form.read() == Toy()


def test_values_round_trip_exactly(qtbot):
    form = OptionForm(Toy)
    toy = Toy(mode="exact", loud=True, count=7, width=0.25, rate=1.2345e-7, sizes=[4, 8, 16], seed=5, note="x y")
    form.show(toy)
    assert form.read() == toy
    form.fields["sizes"].value = "3, 5"
    form.fields["seed"].value = " "
    assert (form.read().sizes, form.read().seed) == ([3, 5], None)
    form.show({"count": "9", "other": 1})  # a dict such as a _params.yaml: converted, other keys ignored
    assert form.read().count == 9


@pytest.mark.parametrize(("name", "text", "message"), [("rate", "", "rate: give a value"),
                                                      ("rate", "fast", "rate: cannot use 'fast'"),
                                                      ("sizes", "1 x", "sizes: cannot use")])
def test_unreadable_fields_are_named(qtbot, name, text, message):
    form = OptionForm(Toy)
    form.fields[name].value = text
    with pytest.raises(ValueError, match=message):
        form.read()


def test_callers_replace_named_widgets_and_groups_become_boxes(qtbot):
    form = OptionForm(Toy, widgets={"mode": lambda **common: LineEdit(**common)})
    assert isinstance(form.fields["mode"], LineEdit) and form.fields["mode"].value == "fast"
    form.fields["mode"].value = "exact"
    assert form.read().mode == "exact"
    panel = group_boxes(form.groups(), {"main": "Main", ADVANCED: "More"})
    qtbot.addWidget(panel)
    assert [box.title() for box in panel.findChildren(QGroupBox)] == ["Main"]
    assert [box.text() for box in panel.findChildren(QCollapsible)] == ["More"]
    with pytest.raises(ValueError, match="without a title: advanced"):
        group_boxes(form.groups(), {"main": "Main"})


def test_a_new_option_appears_in_the_train_form_by_itself(qtbot, monkeypatch):
    @dataclass(frozen=True)
    class Extended(TrainConfig):
        nb_stacks: int = option(2, "Stacks", "Number of stacks.", group="network", minimum=1)

    monkeypatch.setattr("napari_deepss._napari.widgets.train_form.TrainConfig", Extended)
    form = TrainForm()
    qtbot.addWidget(form)
    assert form.fields["nb_stacks"].label == "Stacks" and form.fields["nb_stacks"].min == 1
    form.fields["nb_stacks"].value = 4
    config = form.config()
    assert type(config) is Extended and config.nb_stacks == 4
    assert sorted(box.title() for box in form.findChildren(QGroupBox)) == sorted(
        title for group, title in GROUP_TITLES.items() if group != ADVANCED)


def test_no_dock_widget_module_imports_another():
    """Shared widget code lives in modules of its own (such as option_form), not in another dock widget."""
    manifest = yaml.safe_load((Path(napari_deepss.__file__).parent / "napari.yaml").read_text())
    prefix = f"{widgets.__name__}."
    docks = {c["python_name"].split(":")[0].removeprefix(prefix) for c in manifest["contributions"]["commands"]
             if c["python_name"].startswith(prefix)}
    assert {"make_dataset", "predict", "train"} <= docks
    for name in docks:
        source = Path(widgets.__file__).parent / f"{name.replace('.', '/')}.py"
        tree = ast.parse(source.read_text())
        imported = {node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom) and node.level == 1}
        assert not imported & (docks - {name}), f"{name} imports {imported & docks}"
