"""What Annotate works on and decides, without Qt: recordings, song types, edits, saving.

The session works on the recording of the selected (or last worked on, or
last opened) spectrogram and on that recording's own pair of annotation
layers (:mod:`.recording_layers`), creating them when asked to. It keeps one
:class:`~.annotation_edits.AnnotationEditor` per recording worked on, so
switching recordings keeps their unsaved edits; the active song type; and the
first click of a segment drawn with two clicks.

Saving writes ``<stem>_annotations.csv`` atomically and keeps the replaced
file as ``.bak`` (:mod:`napari_deepss.annotation_saving`); :meth:`autosave`
writes a sidecar for every recording with unsaved edits, offered for recovery
when the recording is opened again; :meth:`may_close` asks about unsaved
edits. Questions go through ``dialogs``: any object with the functions of
:mod:`.widgets.annotate_dialogs` (each takes ``parent`` first), so tests
answer them. Edits the editor refuses become an error message, not a traceback.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
from napari.utils.notifications import show_error, show_info

from ..annotation_saving import discard_autosave, pending_autosave, read_autosave, save_annotations, write_autosave
from ..proposals import is_proposal, proposal_name, without_empty_proposal_types
from ..recording_export import export_recording
from .annotation_edits import AnnotationEditor, editor_for
from .annotation_layer import layer_colors, segment_times
from .navigation import jump, visible_time_range
from .recording_annotations import own_layers
from .recording_layers import recording_of, spectrograms, unwrapped
from .viewer_hooks import install_viewer_hooks


class AnnotationSession:
    """The current recording's editor, the active song type, and the save/autosave/recovery/close decisions.

    ``on_change`` is called after anything a view shows changed; ``on_attach``
    with ``(spectrogram, segments, events)`` when a recording's layers are
    first worked on (e.g. to bind keys on them).
    """

    def __init__(self, viewer, dialogs, *, parent=None, on_change: Callable[[], None], on_attach: Callable[[tuple], None]):
        self.viewer = viewer
        self.dialogs = dialogs
        self.parent = parent
        self.on_change = on_change
        self.on_attach = on_attach
        self.spectrogram = None
        self.editor: AnnotationEditor | None = None
        self.pending_start: float | None = None
        self._editors: dict[int, AnnotationEditor] = {}
        self._active_type: str | None = None
        self._attaching = False
        # hooks first: annotation layers are fitted to their recording before attach() sees them
        install_viewer_hooks(viewer)
        viewer.layers.events.inserted.connect(self._on_layers_changed)
        viewer.layers.events.removed.connect(self._on_layers_changed)
        viewer.layers.selection.events.active.connect(self._on_layers_changed)

    # --- recording ---------------------------------------------------------

    @property
    def active_type(self) -> str | None:
        """The song type that drawing and re-typing use, if the current recording has it."""
        known = self.editor is not None and self._active_type in self.editor.song_types
        return self._active_type if known else None

    @active_type.setter
    def active_type(self, name: str | None) -> None:
        self._active_type = name
        self.pending_start = None

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
            layers = own_layers(self.viewer, spectrogram, create)
            if layers is not None:
                self.on_attach((spectrogram, *layers))
                self.editor = self._editors[id(spectrogram)] = editor_for(*layers)
                if self.on_change not in self.editor.listeners:
                    self.editor.listeners.append(self.on_change)
                self._offer_recovery()
        self.on_change()

    def attach_creating(self) -> None:
        """:meth:`attach`, adding the annotation layers when missing."""
        self._attaching = True
        try:
            self.attach(create=True)
        finally:
            self._attaching = False

    def _on_layers_changed(self, event=None) -> None:
        if not self._attaching:  # attach(create=True) itself adds layers
            self.attach()

    def _current_spectrogram(self):
        candidates = [unwrapped(layer) for layer in spectrograms(self.viewer.layers)]
        active = unwrapped(self.viewer.layers.selection.active)
        if active in candidates:
            return active
        if self.spectrogram in candidates:
            return self.spectrogram
        return candidates[-1] if candidates else None

    def _layers_present(self, editor: AnnotationEditor | None = None) -> bool:
        editor = editor or self.editor
        return editor is not None and editor.segments in self.viewer.layers and editor.events in self.viewer.layers

    def _offer_recovery(self) -> None:
        path = self.editor.path
        sidecar = None if path is None else pending_autosave(path)
        if sidecar is None:
            return
        if self.dialogs.ask_recover(self.parent, sidecar):
            self.editor.replace_all(read_autosave(path))
            show_info(f"Recovered unsaved annotations from {sidecar}")
        else:
            discard_autosave(path)

    # --- song types -----------------------------------------------------------

    def add_type(self, name: str, kind: str) -> None:
        """Add a song type (``kind`` 'event' or 'segment'), creating the annotation layers if needed."""
        if self.editor is None:
            self.attach_creating()
        if self.editor is None:
            show_info("Open a recording first")
            return
        self._guarded(lambda: self.editor.add_song_type(name, kind))

    def rename_type(self, new: str) -> None:
        """Rename the active type (its proposals too)."""
        old = self.active_type
        if old is not None:
            self._guarded(lambda: self.editor.rename_song_type(old, new))
            if proposal_name(old) in self.editor.song_types and new.strip() in self.editor.song_types:
                self._guarded(lambda: self.editor.rename_song_type(proposal_name(old), proposal_name(new.strip())))

    def recolor_type(self) -> None:
        name = self.active_type
        if name is None:
            return
        color = self.dialogs.choose_color(self.parent, layer_colors(self.editor.segments.metadata)[name])
        if color:
            self.editor.recolor_song_type(name, color)

    def delete_type(self) -> None:
        """Delete the active type; asks first when it has annotations."""
        name = self.active_type
        if name is None:
            return
        counts = self.editor.counts()
        count = counts.get(name, 0) + counts.get(proposal_name(name), 0)
        if count and not self.dialogs.confirm_delete(self.parent, name, count):
            return
        for doomed in (name, proposal_name(name)):
            if doomed in self.editor.song_types:
                self.editor.delete_song_type(doomed)

    # --- edits ------------------------------------------------------------------

    def add_at(self, start: float, stop: float | None = None) -> None:
        """What a click (``stop`` None) or a drag does with the active type: an event, or a segment (two clicks)."""
        name = self.active_type
        if self.editor is None or name is None:
            show_info("Choose a song type to draw")
            return
        if self.editor.song_types[name] == "event":
            self._guarded(lambda: self.editor.add_event(name, start))
        elif stop is not None:
            self._guarded(lambda: self.editor.add_segment(name, start, stop))
        elif self.pending_start is None:
            self.pending_start = start
        else:
            first, self.pending_start = self.pending_start, None
            self._guarded(lambda: self.editor.add_segment(name, first, start))

    def move_event(self, index: int, seconds: float) -> None:
        self._guarded(lambda: self.editor.move_event(index, seconds))

    def move_segment_edge(self, index: int, edge: int, seconds: float) -> None:
        """Move the start (``edge`` 0) or stop (1) of segment ``index`` to ``seconds``."""
        times = segment_times(self.editor.segments)[index].copy()
        times[edge] = seconds
        self._guarded(lambda: self.editor.move_segment(index, *times))

    def delete_selected(self) -> None:
        if self.editor is not None:
            self.editor.delete_selected()

    def retype_selected(self) -> None:
        if self.editor is not None and self.active_type is not None:
            self.editor.retype_selected(self.active_type)

    def undo(self) -> None:
        if self.editor is not None:
            self.editor.undo()

    def redo(self) -> None:
        if self.editor is not None:
            self.editor.redo()

    def jump(self, direction: int, active_only: bool = False, proposals_only: bool = False) -> float | None:
        """Centre the view on the next/previous annotation (of the active type with ``active_only``; a proposal
        with ``proposals_only``)."""
        if self.editor is None:
            return None
        table = self.editor.annotations()
        keep = ~table.is_placeholder
        names = np.asarray(table.names, dtype=object)
        if active_only and self.active_type is not None:
            keep &= (names == self.active_type) | (names == proposal_name(self.active_type))
        if proposals_only:
            keep &= np.array([is_proposal(n) for n in names], dtype=bool)
        return jump(self.viewer, table.start_seconds[keep], direction)

    # --- proposals --------------------------------------------------------------

    def approve_selected(self) -> int:
        """Approve the selected proposals; how many."""
        if self.editor is None:
            return 0
        return self.editor.approve({layer: set(layer.selected_data) for layer in self._layers()})

    def approve_in_view(self, active_only: bool = False) -> int:
        """Approve the proposals starting in the visible time range (of the active type only: DeepSS's G; all: H)."""
        if self.editor is None or (active_only and self.active_type is None):
            return 0
        song_type = self.active_type if active_only else None
        return self.editor.approve(self.editor.rows(*visible_time_range(self.viewer), proposals=True,
                                                    song_type=song_type))

    def approve_type(self) -> int:
        """Approve every proposal of the active type."""
        if self.editor is None or self.active_type is None:
            return 0
        return self.editor.approve(self.editor.rows(proposals=True, song_type=self.active_type))

    def delete_in_view(self, proposals_only: bool = True) -> int:
        """Delete the proposals (or all annotations) starting in the visible time range; how many."""
        if self.editor is None:
            return 0
        return self.editor.delete(self.editor.rows(*visible_time_range(self.viewer),
                                                   proposals=True if proposals_only else None))

    def _layers(self) -> tuple:
        return self.editor.segments, self.editor.events

    def _guarded(self, edit: Callable[[], None]) -> None:
        """Run an edit; a refused edit (unknown type, empty segment) becomes a message, not a traceback."""
        try:
            edit()
        except ValueError as error:
            show_error(str(error))

    # --- saving -----------------------------------------------------------------

    def save(self, editor: AnnotationEditor | None = None) -> Path | None:
        """Save a recording's annotations (default: the current one) to ``<stem>_annotations.csv``.

        A recording without a file (e.g. the sample) asks for a path.
        """
        editor = editor or self.editor
        if editor is None:
            return None
        if editor.path is None:
            chosen = self.dialogs.choose_save_path(self.parent, f"{editor.segments.name}.csv")
            if not chosen:
                return None
            editor.path = chosen
        try:
            save_annotations(without_empty_proposal_types(editor.annotations()), editor.path)
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
                written.append(write_autosave(without_empty_proposal_types(editor.annotations()), editor.path))
            except (OSError, ValueError) as error:
                show_error(f"Autosave failed: {error}")
        return written

    def may_close(self) -> bool:
        """Ask what to do with each recording's unsaved edits; False keeps napari open."""
        for editor in self._unsaved_editors():
            answer = self.dialogs.ask_unsaved(self.parent, editor.path)
            if answer == "cancel" or (answer == "save" and self.save(editor) is None):
                return False
            if answer == "discard" and editor.path is not None:
                discard_autosave(editor.path)
        return True

    def _unsaved_editors(self) -> list[AnnotationEditor]:
        return [e for e in self._editors.values() if e.has_unsaved_changes and self._layers_present(e)]

    def export(self, *, visible_only: bool = False, active_type_only: bool = False) -> tuple[Path, Path] | None:
        """Export the recording (or its visible time range) and its annotations (or the active type's) for training."""
        if self.editor is None:
            return None
        folder = self.dialogs.choose_folder(self.parent)
        if not folder:
            return None
        meta = self.spectrogram.metadata
        time_range = visible_time_range(self.viewer) if visible_only else None
        types = [self.active_type] if active_type_only and self.active_type else None
        try:
            written = export_recording(meta["samples"], meta["samplerate"], self.editor.annotations(), folder,
                                       recording_of(self.spectrogram), time_range=time_range, song_types=types)
        except (OSError, ValueError) as error:
            show_error(f"Export failed: {error}")
            return None
        show_info(f"Exported {written[0].name} and {written[1].name} to {folder}")
        return written
