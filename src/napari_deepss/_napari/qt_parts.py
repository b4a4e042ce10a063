"""Small Qt builders the dock widgets share: a button wired to a slot, a row of widgets, a collapsible panel."""

from __future__ import annotations

from collections.abc import Callable

from qtpy.QtWidgets import QHBoxLayout, QPushButton, QWidget
from superqt import QCollapsible


def button(text: str, slot: Callable[[], object] | None, *, checkable: bool = False, tip: str = "") -> QPushButton:
    """A push button calling ``slot()`` when clicked (Qt's ``checked`` argument is dropped)."""
    made = QPushButton(text)
    made.setCheckable(checkable)
    if tip:
        made.setToolTip(tip)
    if slot is not None:
        made.clicked.connect(lambda _checked=False: slot())
    return made


def row(*widgets: QWidget) -> QHBoxLayout:
    """The widgets side by side."""
    layout = QHBoxLayout()
    for widget in widgets:
        layout.addWidget(widget)
    return layout


def collapsible(title: str, panel: QWidget) -> QCollapsible:
    """``panel`` under a title that opens and closes it (closed at first)."""
    box = QCollapsible(title)
    box.addWidget(panel)
    return box
