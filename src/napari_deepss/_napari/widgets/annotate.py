"""Annotate dock widget: the view of an annotation session (song types, drawing, navigation, saving).

The work is done elsewhere: :class:`..annotation_session.AnnotationSession`
(the recording, its editor, the active type, save/autosave/recovery/close),
:class:`..draw_tool.DrawTool` (the mouse), :mod:`.annotate_dialogs` (the
questions) and :mod:`.main_window_hooks` (Ctrl+S, the close question). This
widget shows them:

- Song types: a table (name, kind, colour, count, proposals); add, rename,
  recolour, delete (asks when annotations exist). The selected row is the
  active type; keys 1-9 choose the first nine types.
- Drawing (the *Draw* button, see :mod:`..draw_tool`); Delete/Re-type act on
  the selected annotations, *Delete in view* on all visible ones; Undo
  (Ctrl+Z) and Redo (Ctrl+Shift+Z) these edits.
- Proposals (``<type>_proposals``, drawn translucent): approve the selected
  ones (Shift+G), the active type's in view (G) or all in view (H, DeepSS's
  keys), or all of the active type; delete those in view. They come from
  Predict, from *Quick train* (:mod:`.quick_train_panel`) and from *Detect*
  (:mod:`.detector_panel`), panels at the bottom.
- Navigation: PageDown/PageUp page by one view width, ``=``/``-`` zoom time,
  ``N``/``B`` jump to the next/previous annotation (only the active type when
  *Active type only* is ticked), Shift+N/Shift+B to the next/previous
  proposal; the visible time range is shown.
- Playback (:mod:`..playback_panel`): *Play* or a tap of Space plays the
  selected annotations, else the visible range, at the chosen speed, with a
  moving cursor; again stops. Space held down still pans and zooms in any
  mode, as napari binds it, so nothing of napari's is lost.
- The selected annotation's song type, start, stop and duration.
- Saving: Ctrl+S or *Save*; an autosave every ``AUTOSAVE_SECONDS``.
- Export for training: the recording (or the visible time range) and its
  annotations (or the active song type) into a folder Make dataset reads.

Every button with a key is one entry of :func:`.annotate_actions.annotate_actions`.
"""

from __future__ import annotations

from functools import partial

from qtpy.QtCore import QTimer
from qtpy.QtGui import QColor
from qtpy.QtWidgets import (
    QCheckBox,
    QComboBox,
    QGridLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from ...proposals import is_proposal, proposal_name
from ..annotation_layer import layer_colors
from ..annotation_session import AnnotationSession
from ..draw_tool import DrawTool
from ..navigation import visible_time_range
from ..playback_panel import PLAY_TEXT, STOP_TEXT, PlaybackPanel
from ..qt_parts import button, collapsible, row
from ..readout import selection_text
from . import annotate_dialogs
from .annotate_actions import annotate_actions, bind_keys, key_bindings
from .detector_panel import DetectorPanel
from .main_window_hooks import MainWindowHooks
from .quick_train_panel import QuickTrainPanel

AUTOSAVE_SECONDS = 60
COLUMNS = ("Name", "Kind", "Colour", "Count", "Proposals")
#: buttons per line in a row of actions
BUTTONS_PER_LINE = 4


class AnnotateWidget(QWidget):
    """Annotate the current recording: song types, drawing, navigation, save, export."""

    def __init__(self, napari_viewer):
        super().__init__()
        self.viewer = napari_viewer
        self.session = AnnotationSession(
            napari_viewer, annotate_dialogs, parent=self, on_change=self._refresh, on_attach=self._on_attach
        )
        self.draw_tool = DrawTool(self.session)
        self.playback = PlaybackPanel(self.session)
        self.active_only = QCheckBox("Active type only")
        self.edit_label = QLabel("")
        actions = annotate_actions(self.session, active_only=self.active_only.isChecked, play=self.playback.toggle,
                                   report=self.edit_label.setText)
        self.quick_train = QuickTrainPanel(self.session)
        self.detector = DetectorPanel(self.session)
        self._build_ui(actions)
        self.playback.playing_changed.connect(lambda on: self.buttons[PLAY_TEXT].setText(STOP_TEXT if on else PLAY_TEXT))
        type_keys = {str(i): partial(self._select_type_number, i) for i in range(1, 10)}
        self._key_bindings = key_bindings(napari_viewer, actions, type_keys)
        bind_keys([napari_viewer], self._key_bindings)
        self._autosave_timer = QTimer(self)
        self._autosave_timer.setInterval(AUTOSAVE_SECONDS * 1000)
        self._autosave_timer.timeout.connect(self.session.autosave)
        self._autosave_timer.start()
        napari_viewer.scene.camera.events.center.connect(self._show_time_range)
        napari_viewer.scene.camera.events.zoom.connect(self._show_time_range)
        napari_viewer.mouse_drag_callbacks.append(self.draw_tool.on_mouse)
        self._window_hooks = MainWindowHooks(self, save=self.session.save, may_close=self.session.may_close)
        self.session.attach_creating()

    # --- ui -----------------------------------------------------------------

    def _build_ui(self, actions) -> None:
        self.recording_label = QLabel("No recording")
        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setHorizontalHeaderLabels(COLUMNS)
        self.table.setSelectionBehavior(QTableWidget.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QTableWidget.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.table.itemSelectionChanged.connect(self._on_type_selected)
        self.type_name = QLineEdit(placeholderText="song type name")
        self.type_kind = QComboBox()
        self.type_kind.addItems(["event", "segment"])
        self.add_type_button = button("Add type", self._add_type)
        self.rename_type_button = button("Rename", self._rename_type)
        self.recolor_type_button = button("Colour…", self.session.recolor_type)
        self.delete_type_button = button("Delete type", self.session.delete_type)
        self.draw_button = button("Draw", None, checkable=True, tip="Click: event / segment edge; drag: segment")
        self.draw_button.toggled.connect(self.draw_tool.set_drawing)
        self.time_label = QLabel("")
        self.selection_label = QLabel("")
        self.save_button = button("Save", self.session.save, tip="Ctrl+S")
        self.status_label = QLabel("")
        self.export_visible_only = QCheckBox("Visible time range only")
        self.export_selected_type_only = QCheckBox("Active type only")
        self.export_button = button("Export for training…", self.export)

        types = QGridLayout()
        types.addWidget(self.type_name, 0, 0, 1, 2)
        types.addWidget(self.type_kind, 0, 2)
        types.addWidget(self.add_type_button, 0, 3)
        types.addWidget(self.rename_type_button, 1, 0)
        types.addWidget(self.recolor_type_button, 1, 1)
        types.addWidget(self.delete_type_button, 1, 2, 1, 2)
        rows = {"edits": [self.draw_button], "proposals": [], "navigation": [], "playback": []}
        self.buttons: dict[str, QPushButton] = {}
        for row_name, text, key, action in actions:
            self.buttons[text] = button(text, action, tip=key or "")
            rows[row_name].append(self.buttons[text])
        rows["playback"].append(self.playback)
        lines = [row(*buttons[i:i + BUTTONS_PER_LINE]) for buttons in rows.values()
                 for i in range(0, len(buttons), BUTTONS_PER_LINE)]
        layout = QVBoxLayout(self)
        for part in (
            self.recording_label,
            self.table,
            types,
            *lines,
            row(self.active_only, self.time_label),
            row(self.selection_label, self.edit_label),
            row(self.save_button, self.status_label),
            row(self.export_visible_only, self.export_selected_type_only),
            self.export_button,
            collapsible("Quick train", self.quick_train),
            collapsible("Detect (no network yet)", self.detector),
        ):
            layout.addLayout(part) if not isinstance(part, QWidget) else layout.addWidget(part)

    def _on_attach(self, layers) -> None:
        """A recording's layers are first worked on: keys on them, and their selection shown."""
        bind_keys(layers, self._key_bindings)
        for layer in layers[1:]:
            layer.selected_data.events.items_changed.connect(self._show_selection)

    # --- song types -----------------------------------------------------------

    def _add_type(self) -> None:
        self.session.add_type(self.type_name.text(), self.type_kind.currentText())
        self._select_type(self.type_name.text().strip())

    def _rename_type(self) -> None:
        if self.session.active_type is not None:
            self.session.rename_type(self.type_name.text())
            self._select_type(self.type_name.text().strip())

    def _select_type_number(self, number: int) -> None:
        """Make the ``number``-th song type (1-based, table order) the active type."""
        if number <= self.table.rowCount():
            self.table.selectRow(number - 1)

    def _select_type(self, name: str) -> None:
        for index in range(self.table.rowCount()):
            if self.table.item(index, 0).text() == name:
                self.table.selectRow(index)

    def _on_type_selected(self) -> None:
        rows = self.table.selectionModel().selectedRows()
        self.session.active_type = self.table.item(rows[0].row(), 0).text() if rows else None

    # --- export and updates -------------------------------------------------------

    def export(self):
        """Export for training as the two check boxes say; returns the written recording and annotations."""
        return self.session.export(
            visible_only=self.export_visible_only.isChecked(), active_type_only=self.export_selected_type_only.isChecked()
        )

    def _refresh(self) -> None:
        session, editor = self.session, self.session.editor
        active = session.active_type
        self.table.blockSignals(True)
        self.table.setRowCount(0)
        if editor is not None:
            colors = layer_colors(editor.segments.metadata)
            counts = editor.counts()
            types = [(name, kind) for name, kind in editor.song_types.items() if not is_proposal(name)]
            for index, (name, kind) in enumerate(types):
                self.table.insertRow(index)
                swatch = QTableWidgetItem("")
                swatch.setBackground(QColor(colors[name]))
                cells = (name, kind, swatch, str(counts[name]), str(counts.get(proposal_name(name), 0)))
                for column, item in enumerate(cells):
                    self.table.setItem(index, column, item if isinstance(item, QTableWidgetItem) else QTableWidgetItem(item))
        self.table.blockSignals(False)
        if active is not None:
            self._select_type(active)
        if session.spectrogram is None:
            self.recording_label.setText("No recording: open one")
        else:
            hint = "" if editor is not None else " (no annotation layers: add a song type)"
            self.recording_label.setText(f"Recording: {session.spectrogram.name}{hint}")
        self.status_label.setText("● unsaved changes" if session.has_unsaved_changes else "saved")
        self.detector.refresh()
        self._show_time_range()
        self._show_selection()

    def _show_selection(self, *_) -> None:
        text = selection_text(self.viewer.layers)
        self.selection_label.setText(f"Selected: {text}" if text else "")

    def _show_time_range(self, event=None) -> None:
        start, stop = visible_time_range(self.viewer)
        self.time_label.setText(f"{max(start, 0.0):.3f} – {stop:.3f} s")

