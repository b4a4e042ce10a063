"""Annotate dock widget: song types, drawing, navigation and saving that never loses work.

It works on the recording of the selected (or last opened) spectrogram and on
its two annotation layers (segments: Shapes, events: Points; see
:mod:`..annotation_layer`), creating them when missing.

- Song types: a table (name, kind, colour, count); add, rename, recolour,
  delete (asks when annotations exist). The selected row is the active type;
  keys 1-9 choose the first nine types.
- Drawing (the *Draw* button): a click adds an event of the active event type
  at that time, or starts/ends a segment of the active segment type (two
  clicks); a click-drag adds a segment. Dragging near an existing segment edge
  or event moves it. Shift-click selects (toggles) the annotation under the
  cursor. Delete/Re-type act on the selected annotations; Undo (Ctrl+Z)
  undoes these edits.
- Navigation: PageDown/PageUp page by one view width, ``=``/``-`` zoom time,
  ``N``/``B`` jump to the next/previous annotation (only the active type when
  *Active type only* is ticked); the visible time range is shown.
- Saving: Ctrl+S or *Save* writes ``<stem>_annotations.csv`` atomically and
  keeps the replaced file as ``<stem>_annotations.csv.bak``
  (:mod:`napari_deepss.annotation_saving`). While there are unsaved edits an
  autosave sidecar is written every ``AUTOSAVE_SECONDS``; it is offered for
  recovery when the recording is opened again. Closing napari with unsaved
  edits asks whether to save.
- Export for training: the recording (or the visible time range) and its
  annotations (or the selected song types) into a folder Make dataset reads.

Dialogs are module-level functions (``ask_unsaved``, ``ask_recover``,
``confirm_delete``, ``choose_color``, ``choose_save_path``,
``choose_folder``) so tests replace them instead of clicking.
"""

from __future__ import annotations

from functools import partial
from pathlib import Path

import numpy as np
from napari.utils.notifications import show_error, show_info
from qtpy.QtCore import QEvent, QObject, Qt, QTimer
from qtpy.QtGui import QColor, QKeySequence
from qtpy.QtWidgets import (
    QCheckBox,
    QColorDialog,
    QComboBox,
    QFileDialog,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMainWindow,
    QMessageBox,
    QPushButton,
    QShortcut,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from ...annotation_saving import discard_autosave, pending_autosave, read_autosave, save_annotations, write_autosave
from ...annotations import Annotations, annotations_path_for
from ...recording_export import export_recording
from ..annotation_edits import AnnotationEditor
from ..annotation_layer import annotations_layers_data, layer_colors, segment_times
from ..navigation import ZOOM_STEP, jump, page, visible_time_range, zoom_time
from ..recording_layers import EVENTS, PART, SEGMENTS, annotation_layers_of, annotation_pairs_of, belonging_to, recording_of, spectrograms
from ..viewer_hooks import install_viewer_hooks

AUTOSAVE_SECONDS = 60
#: how close (screen pixels) a press must be to an edge or event to move it
GRAB_PIXELS = 6
KEYS = {
    "page_forward": "PageDown",
    "page_back": "PageUp",
    "zoom_in": "=",
    "zoom_out": "-",
    "next": "N",
    "previous": "B",
    "undo": "Control-Z",
}
COLUMNS = ("Name", "Kind", "Colour", "Count")


# --- dialogs (replaced in tests) --------------------------------------------


def ask_unsaved(parent, path) -> str:
    """'save', 'discard' or 'cancel' for closing with unsaved annotations."""
    box = QMessageBox.question(
        parent,
        "Unsaved annotations",
        f"Save the changed annotations to {path}?" if path else "Save the changed annotations?",
        QMessageBox.StandardButton.Save | QMessageBox.StandardButton.Discard | QMessageBox.StandardButton.Cancel,
    )
    return {QMessageBox.StandardButton.Save: "save", QMessageBox.StandardButton.Discard: "discard"}.get(box, "cancel")


def ask_recover(parent, sidecar) -> bool:
    answer = QMessageBox.question(
        parent, "Recover annotations", f"{sidecar} holds annotations that were never saved. Recover them?"
    )
    return answer == QMessageBox.StandardButton.Yes


def confirm_delete(parent, name: str, count: int) -> bool:
    answer = QMessageBox.question(parent, "Delete song type", f"Delete {name!r} and its {count} annotation(s)?")
    return answer == QMessageBox.StandardButton.Yes


def choose_color(parent, current: str) -> str | None:
    color = QColorDialog.getColor(QColor(current), parent, "Song type colour")
    return color.name() if color.isValid() else None


def choose_save_path(parent, suggestion: str) -> str | None:
    path, _ = QFileDialog.getSaveFileName(parent, "Save annotations", suggestion, "DeepSS annotations (*_annotations.csv)")
    return path or None


def choose_folder(parent) -> str | None:
    return QFileDialog.getExistingDirectory(parent, "Export for training into folder") or None


# --- widget -------------------------------------------------------------------


class AnnotateWidget(QWidget):
    """Annotate the current recording: song types, drawing, navigation, save, export."""

    def __init__(self, napari_viewer):
        super().__init__()
        self.viewer = napari_viewer
        self.spectrogram = None
        self.editor: AnnotationEditor | None = None
        # one editor per recording worked on, so switching recordings keeps their unsaved edits
        self._editors: dict[int, AnnotationEditor] = {}
        self._pending_start: float | None = None
        self._attaching = False
        self._build_ui()
        self._autosave_timer = QTimer(self)
        self._autosave_timer.setInterval(AUTOSAVE_SECONDS * 1000)
        self._autosave_timer.timeout.connect(self.autosave)
        self._autosave_timer.start()
        # hooks first: annotation layers are fitted to their recording before attach() sees them
        install_viewer_hooks(napari_viewer)
        napari_viewer.layers.events.inserted.connect(self._on_layers_changed)
        napari_viewer.layers.events.removed.connect(self._on_layers_changed)
        napari_viewer.layers.selection.events.active.connect(self._on_layers_changed)
        napari_viewer.scene.camera.events.center.connect(self._show_time_range)
        napari_viewer.scene.camera.events.zoom.connect(self._show_time_range)
        napari_viewer.mouse_drag_callbacks.append(self._on_mouse)
        self._bind_keys()
        self._window_hooks = _WindowHooks(self)
        self._attach_creating()

    # --- ui ---------------------------------------------------------------

    def _build_ui(self) -> None:
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
        self.add_type_button = _button("Add type", self.add_type)
        self.rename_type_button = _button("Rename", self.rename_type)
        self.recolor_type_button = _button("Colour…", self.recolor_type)
        self.delete_type_button = _button("Delete type", self.delete_type)
        self.draw_button = _button("Draw", None, checkable=True, tip="Click: event / segment edge; drag: segment")
        self.draw_button.toggled.connect(self._on_draw_toggled)
        self.delete_button = _button("Delete selected", self.delete_selected)
        self.retype_button = _button("Re-type selected", self.retype_selected)
        self.undo_button = _button("Undo", self.undo)
        self.active_only = QCheckBox("Active type only")
        self.time_label = QLabel("")
        self.save_button = _button("Save", self.save, tip="Ctrl+S")
        self.status_label = QLabel("")
        self.export_visible_only = QCheckBox("Visible time range only")
        self.export_selected_type_only = QCheckBox("Active type only")
        self.export_button = _button("Export for training…", self.export)

        types = QGridLayout()
        types.addWidget(self.type_name, 0, 0, 1, 2)
        types.addWidget(self.type_kind, 0, 2)
        types.addWidget(self.add_type_button, 0, 3)
        types.addWidget(self.rename_type_button, 1, 0)
        types.addWidget(self.recolor_type_button, 1, 1)
        types.addWidget(self.delete_type_button, 1, 2, 1, 2)
        edits = _row(self.draw_button, self.delete_button, self.retype_button, self.undo_button)
        actions = self._actions()
        navigation = _row(*(
            _button(text, actions[name], tip=KEYS[name])
            for text, name in (("◀ page", "page_back"), ("page ▶", "page_forward"), ("zoom +", "zoom_in"),
                               ("zoom −", "zoom_out"), ("◀ prev", "previous"), ("next ▶", "next"))
        ))
        layout = QVBoxLayout(self)
        for part in (
            self.recording_label,
            self.table,
            types,
            edits,
            navigation,
            _row(self.active_only, self.time_label),
            _row(self.save_button, self.status_label),
            _row(self.export_visible_only, self.export_selected_type_only),
            self.export_button,
        ):
            layout.addLayout(part) if not isinstance(part, QWidget) else layout.addWidget(part)

    def _actions(self) -> dict:
        """What each of ``KEYS`` does (the navigation buttons do the same)."""
        return {
            "page_forward": partial(self._navigate, page, 1),
            "page_back": partial(self._navigate, page, -1),
            "zoom_in": partial(self._navigate, zoom_time, ZOOM_STEP),
            "zoom_out": partial(self._navigate, zoom_time, 1 / ZOOM_STEP),
            "next": partial(self.jump, 1),
            "previous": partial(self.jump, -1),
            "undo": self.undo,
        }

    def _bind_keys(self) -> None:
        self._key_actions = {KEYS[name]: action for name, action in self._actions().items()}
        self._key_actions.update({str(i): partial(self.select_type_number, i) for i in range(1, 10)})
        for key, action in self._key_actions.items():
            self.viewer.bind_key(key, _ignore_target(action), overwrite=True)

    # --- recording ---------------------------------------------------------

    @property
    def active_type(self) -> str | None:
        rows = self.table.selectionModel().selectedRows()
        return self.table.item(rows[0].row(), 0).text() if rows else None

    @property
    def has_unsaved_changes(self) -> bool:
        """The current recording's annotations changed since they were opened or saved."""
        return self.editor is not None and self.editor.has_unsaved_changes

    def attach(self, create: bool = False) -> None:
        """Work on the recording of the selected (or last) spectrogram and its annotation layers.

        With ``create`` the annotation layers are added when missing (on opening
        the widget and when a song type is added); otherwise a recording without
        them waits, so layers a reader is still adding, or that the user
        removed, are not duplicated or brought back.
        """
        spectrogram = self._current_spectrogram()
        if spectrogram is self.spectrogram and self._layers_present():
            return
        self.spectrogram = spectrogram
        editor = None if spectrogram is None else self._editors.get(id(spectrogram))
        self.editor = editor if editor is not None and self._layers_present(editor) else None
        if spectrogram is not None and self.editor is None:
            layers = self._annotation_layers(create)
            if layers is not None:
                for layer in (spectrogram, *layers):  # the selected layer's keys come before the viewer's
                    for key, action in self._key_actions.items():
                        layer.bind_key(key, _ignore_target(action), overwrite=True)
                self.editor = self._editors[id(spectrogram)] = AnnotationEditor(*layers, on_change=self._refresh)
                self._offer_recovery()
        self._refresh()

    def _current_spectrogram(self):
        candidates = spectrograms(self.viewer.layers)
        active = self.viewer.layers.selection.active
        if active in candidates:
            return active
        if self.spectrogram in candidates:
            return self.spectrogram
        return candidates[-1] if candidates else None

    def _layers_present(self, editor: AnnotationEditor | None = None) -> bool:
        editor = editor or self.editor
        return editor is not None and editor.segments in self.viewer.layers and editor.events in self.viewer.layers

    def _annotation_layers(self, create: bool) -> tuple | None:
        """``(segments, events)`` of the current recording; with ``create`` added when missing."""
        recording = recording_of(self.spectrogram)
        layers = annotation_layers_of(self.viewer.layers, recording)
        return self._add_annotation_layers(recording) if layers is None and create else layers

    def _add_annotation_layers(self, recording: str) -> tuple:
        """Add the recording's annotation layers; a layer whose partner was removed gets a new partner."""
        pairs = annotation_pairs_of(self.viewer.layers, recording)
        pair = dict(pairs[0]) if pairs else {}
        shared = next(iter(pair.values())).metadata if pair else None
        meta = self.spectrogram.metadata
        path = annotations_path_for(meta["path"]) if meta.get("path") else None
        table = Annotations(song_types=shared["song_types"] if shared else {})
        new = annotations_layers_data(table, meta["freq_range"], name=f"{recording}_annotations", path=path)
        for data, kwargs, layer_type in belonging_to(recording, new):
            part = kwargs["metadata"][PART]
            if part not in pair:
                kwargs["metadata"] = {**kwargs["metadata"], **(shared or {}), PART: part}
                pair[part] = getattr(self.viewer, f"add_{layer_type}")(data, **kwargs)
        self.viewer.layers.selection.active = self.spectrogram
        return pair[SEGMENTS], pair[EVENTS]

    def _offer_recovery(self) -> None:
        path = self.editor.path
        sidecar = None if path is None else pending_autosave(path)
        if sidecar is None:
            return
        if ask_recover(self, sidecar):
            self.editor.replace_all(read_autosave(path))
            show_info(f"Recovered unsaved annotations from {sidecar}")
        else:
            discard_autosave(path)

    # --- song types -----------------------------------------------------------

    def _attach_creating(self) -> None:
        self._attaching = True
        try:
            self.attach(create=True)
        finally:
            self._attaching = False

    def add_type(self) -> None:
        if self.editor is None:
            self._attach_creating()
        if self.editor is None:
            show_info("Open a recording first")
            return
        self._guarded(lambda: self.editor.add_song_type(self.type_name.text(), self.type_kind.currentText()))
        self._select_type(self.type_name.text().strip())

    def rename_type(self) -> None:
        old = self.active_type
        if old is not None:
            self._guarded(lambda: self.editor.rename_song_type(old, self.type_name.text()))
            self._select_type(self.type_name.text().strip())

    def recolor_type(self) -> None:
        name = self.active_type
        if name is None:
            return
        color = choose_color(self, layer_colors(self.editor.segments.metadata)[name])
        if color:
            self.editor.recolor_song_type(name, color)

    def delete_type(self) -> None:
        name = self.active_type
        if name is None:
            return
        count = self.editor.counts().get(name, 0)
        if count and not confirm_delete(self, name, count):
            return
        self.editor.delete_song_type(name)

    def select_type_number(self, number: int) -> None:
        """Make the ``number``-th song type (1-based, table order) the active type."""
        if number <= self.table.rowCount():
            self.table.selectRow(number - 1)

    def _select_type(self, name: str) -> None:
        for row in range(self.table.rowCount()):
            if self.table.item(row, 0).text() == name:
                self.table.selectRow(row)

    def _on_type_selected(self) -> None:
        self._pending_start = None

    # --- edits ------------------------------------------------------------------

    def add_at(self, start: float, stop: float | None = None) -> None:
        """What a click (``stop`` None) or a drag does with the active type in drawing mode."""
        name = self.active_type
        if self.editor is None or name is None:
            show_info("Choose a song type to draw")
            return
        if self.editor.song_types[name] == "event":
            self._guarded(lambda: self.editor.add_event(name, start))
        elif stop is not None:
            self._guarded(lambda: self.editor.add_segment(name, start, stop))
        elif self._pending_start is None:
            self._pending_start = start
        else:
            first, self._pending_start = self._pending_start, None
            self._guarded(lambda: self.editor.add_segment(name, first, start))

    def delete_selected(self) -> None:
        if self.editor is not None:
            self.editor.delete_selected()

    def retype_selected(self) -> None:
        if self.editor is not None and self.active_type is not None:
            self.editor.retype_selected(self.active_type)

    def undo(self) -> None:
        if self.editor is not None:
            self.editor.undo()

    def select_at(self, seconds: float, tolerance: float) -> None:
        """Toggle the selection of the event or segment at ``seconds``."""
        grab = self._grab(seconds, tolerance)
        if grab is None:
            segments = self.editor.segments
            times = segment_times(segments)
            inside = np.flatnonzero((times[:, 0] <= seconds) & (seconds <= times[:, 1]))
            grab = (segments, int(inside[0]), None) if len(inside) else None
        if grab is not None:
            layer, index, _ = grab
            layer.selected_data = set(layer.selected_data) ^ {index}

    def _grab(self, seconds: float, tolerance: float):
        """``(layer, index, edge)`` of the event or segment edge within ``tolerance`` of ``seconds``."""
        events = self.editor.events
        if len(events.data):
            distance = np.abs(events.data[:, -1] - seconds)
            if distance.min() <= tolerance:
                return events, int(distance.argmin()), None
        times = segment_times(self.editor.segments)
        if len(times):
            distance = np.abs(times - seconds)
            index, edge = np.unravel_index(distance.argmin(), distance.shape)
            if distance[index, edge] <= tolerance:
                return self.editor.segments, int(index), int(edge)
        return None

    def _on_mouse(self, viewer, event):
        if not self.draw_button.isChecked() or self.editor is None:
            return
        start = float(event.position[-1])
        tolerance = GRAB_PIXELS / viewer.scene.camera.zoom
        if "Shift" in event.modifiers:
            self.select_at(start, tolerance)
            return
        grab = self._grab(start, tolerance)
        yield
        stop, dragged = start, False
        while event.type == "mouse_move":
            stop = float(event.position[-1])
            dragged = dragged or abs(stop - start) > tolerance
            yield
        stop = float(event.position[-1])
        dragged = dragged or abs(stop - start) > tolerance
        if grab is not None and dragged:
            self._move(grab, stop)
        else:
            self.add_at(start, stop if dragged else None)

    def _on_draw_toggled(self, drawing: bool) -> None:
        """While drawing, a drag draws instead of panning and napari's layer tools stay out of the way."""
        self.viewer.scene.camera.mouse_pan = not drawing
        self._pending_start = None
        if drawing and self.editor is not None:
            for layer in (self.editor.segments, self.editor.events):
                layer.mode = "pan_zoom"

    def _move(self, grab, seconds: float) -> None:
        layer, index, edge = grab
        if edge is None:
            self._guarded(lambda: self.editor.move_event(index, seconds))
            return
        times = segment_times(layer)[index].copy()
        times[edge] = seconds
        self._guarded(lambda: self.editor.move_segment(index, *times))

    # --- navigation ---------------------------------------------------------------

    def _navigate(self, action, argument) -> None:
        action(self.viewer, argument)

    def jump(self, direction: int) -> float | None:
        """Centre the view on the next/previous annotation (of the active type with *Active type only*)."""
        if self.editor is None:
            return None
        table = self.editor.annotations()
        keep = ~table.is_placeholder
        if self.active_only.isChecked() and self.active_type is not None:
            keep &= np.asarray(table.names, dtype=object) == self.active_type
        return jump(self.viewer, table.start_seconds[keep], direction)

    def _show_time_range(self, event=None) -> None:
        start, stop = visible_time_range(self.viewer)
        self.time_label.setText(f"{max(start, 0.0):.3f} – {stop:.3f} s")

    # --- saving -----------------------------------------------------------------

    def save(self, editor: AnnotationEditor | None = None) -> Path | None:
        """Save a recording's annotations (default: the current one) to ``<stem>_annotations.csv``.

        A recording without a file (e.g. the sample) asks for a path.
        """
        editor = editor or self.editor
        if editor is None:
            return None
        if editor.path is None:
            chosen = choose_save_path(self, f"{editor.segments.name}.csv")
            if not chosen:
                return None
            editor.path = chosen
        try:
            save_annotations(editor.annotations(), editor.path)
        except (OSError, ValueError) as error:
            show_error(f"Annotations not saved: {error}")
            return None
        editor.mark_saved()
        return editor.path

    def autosave(self) -> list[Path]:
        """Write the autosave sidecar of every recording with unsaved edits; returns the sidecars."""
        written = []
        for editor in self._unsaved_editors():
            if editor.path is None:
                continue
            try:
                written.append(write_autosave(editor.annotations(), editor.path))
            except (OSError, ValueError) as error:
                show_error(f"Autosave failed: {error}")
        return written

    def may_close(self) -> bool:
        """Ask what to do with each recording's unsaved edits; False keeps napari open."""
        for editor in self._unsaved_editors():
            answer = ask_unsaved(self, editor.path)
            if answer == "cancel" or (answer == "save" and self.save(editor) is None):
                return False
            if answer == "discard" and editor.path is not None:
                discard_autosave(editor.path)
        return True

    def _unsaved_editors(self) -> list[AnnotationEditor]:
        return [e for e in self._editors.values() if e.has_unsaved_changes and self._layers_present(e)]

    # --- export -----------------------------------------------------------------

    def export(self) -> tuple[Path, Path] | None:
        if self.editor is None:
            return None
        folder = choose_folder(self)
        if not folder:
            return None
        meta = self.spectrogram.metadata
        samples = meta["samples"]
        stem = recording_of(self.spectrogram)
        time_range = visible_time_range(self.viewer) if self.export_visible_only.isChecked() else None
        types = [self.active_type] if self.export_selected_type_only.isChecked() and self.active_type else None
        try:
            written = export_recording(samples, meta["samplerate"], self.editor.annotations(), folder, stem,
                                          time_range=time_range, song_types=types)
        except (OSError, ValueError) as error:
            show_error(f"Export failed: {error}")
            return None
        show_info(f"Exported {written[0].name} and {written[1].name} to {folder}")
        return written

    # --- updates ----------------------------------------------------------------

    def _on_layers_changed(self, event=None) -> None:
        if not self._attaching:  # attach(create=True) itself adds layers
            self.attach()

    def _refresh(self) -> None:
        active = self.active_type
        self.table.blockSignals(True)
        self.table.setRowCount(0)
        if self.editor is not None:
            colors = layer_colors(self.editor.segments.metadata)
            counts = self.editor.counts()
            for row, (name, kind) in enumerate(self.editor.song_types.items()):
                self.table.insertRow(row)
                swatch = QTableWidgetItem("")
                swatch.setBackground(QColor(colors[name]))
                for column, item in enumerate((QTableWidgetItem(name), QTableWidgetItem(kind), swatch, QTableWidgetItem(str(counts[name])))):
                    self.table.setItem(row, column, item)
        self.table.blockSignals(False)
        if active is not None:
            self._select_type(active)
        if self.spectrogram is None:
            self.recording_label.setText("No recording: open one")
        else:
            hint = "" if self.editor is not None else " (no annotation layers: add a song type)"
            self.recording_label.setText(f"Recording: {self.spectrogram.name}{hint}")
        self._refresh_status()
        self._show_time_range()

    def _refresh_status(self) -> None:
        self.status_label.setText("● unsaved changes" if self.has_unsaved_changes else "saved")

    def _guarded(self, edit) -> None:
        """Run an edit; a refused edit (unknown type, empty segment) becomes a message, not a traceback."""
        try:
            edit()
        except ValueError as error:
            show_error(str(error))


class _WindowHooks(QObject):
    """Ctrl+S saves the annotations (instead of napari's 'Save selected layers'); closing asks about unsaved edits.

    The main window is found once the widget is docked into it (napari first
    puts it into a dock widget, then docks that); napari's Save action gets its shortcut
    back when the widget is destroyed.
    """

    def __init__(self, widget: AnnotateWidget):
        super().__init__(widget)
        self.widget = widget
        self.hooked = False  # no reference to the main window: napari's tests count leaked viewers
        self.save_shortcut = QShortcut(QKeySequence(QKeySequence.StandardKey.Save), widget)
        self.save_shortcut.setContext(Qt.ShortcutContext.ApplicationShortcut)
        self.save_shortcut.activated.connect(widget.save)
        widget.installEventFilter(self)

    def _hook(self, window) -> None:
        self.hooked = True
        save_key = QKeySequence(QKeySequence.StandardKey.Save)
        released = [action for action in _menu_actions(window.menuBar().actions()) if action.shortcut() == save_key]
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
        if event.type() == QEvent.Type.Close and not self.widget.may_close():
            event.ignore()
            return True
        return False


def _menu_actions(actions) -> list:
    """The actions of a menu bar and of all its submenus."""
    found = []
    for action in actions:
        found.append(action)
        if action.menu() is not None:
            found += _menu_actions(action.menu().actions())
    return found


def _ignore_target(action):
    """A key binding for napari (which passes the viewer or layer) that calls ``action()``."""

    def bound(_target):
        action()

    return bound


def _button(text: str, slot, *, checkable: bool = False, tip: str = "") -> QPushButton:
    button = QPushButton(text)
    button.setCheckable(checkable)
    if tip:
        button.setToolTip(tip)
    if slot is not None:
        button.clicked.connect(lambda _checked=False: slot())
    return button


def _row(*widgets) -> QHBoxLayout:
    row = QHBoxLayout()
    for widget in widgets:
        row.addWidget(widget)
    return row
