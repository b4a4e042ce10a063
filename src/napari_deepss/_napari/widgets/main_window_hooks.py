"""A dock widget's hold on napari's main window: Ctrl+S and the question on closing.

While the widget is docked, Ctrl+S calls ``save`` instead of napari's 'Save
selected layers', and closing napari asks ``may_close`` first (False keeps
napari open). napari's Save action gets its shortcut back when the widget is
destroyed.
"""

from __future__ import annotations

from collections.abc import Callable

from qtpy.QtCore import QEvent, QObject, Qt
from qtpy.QtGui import QKeySequence
from qtpy.QtWidgets import QMainWindow, QShortcut, QWidget


class MainWindowHooks(QObject):
    """Ctrl+S and the close question for ``widget``, hooked once it is docked.

    The main window is found once the widget is docked into it (napari first
    puts it into a dock widget, then docks that).
    """

    def __init__(self, widget: QWidget, *, save: Callable[[], object], may_close: Callable[[], bool]):
        super().__init__(widget)
        self.widget = widget
        self.may_close = may_close
        self.hooked = False  # no reference to the main window: napari's tests count leaked viewers
        self.save_shortcut = QShortcut(QKeySequence(QKeySequence.StandardKey.Save), widget)
        self.save_shortcut.setContext(Qt.ShortcutContext.ApplicationShortcut)
        self.save_shortcut.activated.connect(save)
        widget.installEventFilter(self)

    def _hook(self, window) -> None:
        self.hooked = True
        save_key = QKeySequence(QKeySequence.StandardKey.Save)
        released = [action for action in menu_actions(window.menuBar().actions()) if action.shortcut() == save_key]
        for action in released:
            action.setShortcut(QKeySequence())
        self.widget.destroyed.connect(lambda *_: [action.setShortcut(save_key) for action in released])
        window.installEventFilter(self)

    def _follow(self) -> None:
        """Hook the main window once the widget is in it; until then watch the top-level widget (the dock)."""
        top = self.widget.window()
        if isinstance(top, QMainWindow):
            self._hook(top)
        elif top is not self.widget:
            top.installEventFilter(self)

    def eventFilter(self, obj, event) -> bool:
        if not isinstance(obj, QMainWindow):
            if event.type() == QEvent.Type.ParentChange and not self.hooked:
                self._follow()
            return False
        if event.type() == QEvent.Type.Close and not self.may_close():
            event.ignore()
            return True
        return False


def menu_actions(actions) -> list:
    """The actions of a menu bar and of all its submenus."""
    found = []
    for action in actions:
        found.append(action)
        if action.menu() is not None:
            found += menu_actions(action.menu().actions())
    return found
