"""Undoable edits of one recording's annotation layers (segments: Shapes, events: Points).

Every edit goes through :class:`AnnotationEditor`, which keeps an undo and
redo history (:mod:`.annotation_undo`) and a revision number that also counts
changes made with napari's own layer tools;
:attr:`AnnotationEditor.has_unsaved_changes` compares it with the revision
last saved. One editor serves a pair of layers (:func:`editor_for`), so what
Annotate, Predict and the detector change is undone in one history. Times are exact: a new or moved segment also gets its
float64 times in the ``start_seconds``/``stop_seconds`` features (see
:mod:`.annotation_layer`), and events are float64 points. Segments always
span the layer's whole frequency range and events sit at its middle.

Undoing an added annotation removes it; other edits are undone by restoring
the layer's previous data and features (a copy taken before the edit).

Proposals (rows of ``<type>_proposals``, :mod:`napari_deepss.proposals`) are
annotations like any other here; :meth:`AnnotationEditor.approve` renames
them to their type, :meth:`AnnotationEditor.replace_proposals` puts a
prediction's proposals in place of those of its range.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd

from ..annotations import Annotations
from ..proposals import approved_name, is_proposal, proposal_name, replace_proposals
from .annotation_layer import annotations_layers_data, apply_colors, layers_to_annotations, segment_times
from .annotation_undo import History, LayerState, remove, removing_last, restoring
from .recording_layers import unwrapped

UNDO_LIMIT = 100
_EDITORS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def editor_for(segments, events) -> AnnotationEditor:
    """The one editor of a pair of annotation layers (made on first use).

    Widgets may hold napari's proxies of the layers (a new proxy on every
    access), so the editor is kept for, and works on, the layers themselves.
    """
    segments, events = unwrapped(segments), unwrapped(events)
    editor = _EDITORS.get(segments)
    if editor is None or editor.events is not events:
        editor = _EDITORS[segments] = AnnotationEditor(segments, events)
    return editor


class AnnotationEditor:
    """Edits of a segments (Shapes) and an events (Points) layer that share song types."""

    def __init__(self, segments, events):
        self.segments = segments
        self.events = events
        self.revision = 0
        self.saved_revision = 0
        self.history = History(UNDO_LIMIT)
        self.listeners: list[Callable[[], None]] = []  # called after every change
        for layer in (segments, events):
            layer.events.data.connect(self._on_layer_data)

    @property
    def has_unsaved_changes(self) -> bool:
        return self.revision != self.saved_revision

    def mark_saved(self) -> None:
        self.saved_revision = self.revision
        self._notify()

    @property
    def path(self) -> Path | None:
        """The annotation file of both layers (``metadata['path']``), if any."""
        path = self.segments.metadata.get("path")
        return Path(path) if path else None

    @path.setter
    def path(self, path) -> None:
        for layer in (self.segments, self.events):
            layer.metadata = {**layer.metadata, "path": str(path)}

    def _on_layer_data(self, event) -> None:
        if getattr(event, "action", None) in ("added", "removed", "changed"):
            self._changed()

    # --- song types -------------------------------------------------------

    @property
    def song_types(self) -> dict[str, str]:
        return dict(self.segments.metadata.get("song_types", {}))

    @property
    def freq_range(self) -> tuple[float, float]:
        return tuple(self.segments.metadata["freq_range"])

    def counts(self) -> dict[str, int]:
        """Annotations of each song type."""
        names = [*self.segments.features.get("name", []), *self.events.features.get("name", [])]
        return {name: names.count(name) for name in self.song_types}

    def set_song_types(self, song_types: dict[str, str], colors: dict[str, str] | None = None) -> None:
        """Declare the song types (and chosen colours) of both layers; not an undoable edit of annotations."""
        for layer in (self.segments, self.events):
            meta = {**layer.metadata, "song_types": dict(song_types)}
            if colors is not None:
                meta["colors"] = dict(colors)
            layer.metadata = meta
            _set_categories(layer, list(song_types))
            apply_colors(layer)
        self._changed()

    def add_song_type(self, name: str, kind: str) -> None:
        name = name.strip()
        if not name:
            raise ValueError("a song type needs a name")
        if name in self.song_types:
            raise ValueError(f"song type {name!r} exists")
        if kind not in ("event", "segment"):
            raise ValueError(f"a song type is an 'event' or a 'segment', not {kind!r}")
        self.set_song_types({**self.song_types, name: kind})

    def rename_song_type(self, old: str, new: str) -> None:
        new = new.strip()
        if not new or new in self.song_types:
            raise ValueError(f"cannot rename {old!r} to {new!r}: the name is empty or taken")
        song_types = {(new if n == old else n): kind for n, kind in self.song_types.items()}
        colors = {(new if n == old else n): c for n, c in self.segments.metadata.get("colors", {}).items()}
        for layer in (self.segments, self.events):
            _set_categories(layer, [*song_types, old])
            names = layer.features["name"].astype(object).replace(old, new)
            layer.features = layer.features.assign(name=pd.Categorical(names, categories=list(song_types)))
        self.set_song_types(song_types, colors)

    def delete_song_type(self, name: str) -> None:
        """Remove a song type and all its annotations (this part can be undone)."""
        for layer in (self.segments, self.events):
            indices = np.flatnonzero(layer.features["name"].to_numpy(dtype=object) == name) if len(layer.features) else []
            if len(indices):
                self._edit(layer, lambda layer=layer, indices=indices: remove(layer, set(indices.tolist())))
        self.set_song_types({n: k for n, k in self.song_types.items() if n != name})

    def recolor_song_type(self, name: str, color: str) -> None:
        colors = {**self.segments.metadata.get("colors", {}), name: color}
        self.set_song_types(self.song_types, colors)

    # --- annotations ------------------------------------------------------

    def add_event(self, name: str, seconds: float) -> None:
        self._check_kind(name, "event")
        _append_event(self.events, name, seconds)
        self._push(removing_last(self.events, lambda: _append_event(self.events, name, seconds)))

    def add_segment(self, name: str, start: float, stop: float) -> None:
        self._check_kind(name, "segment")
        start, stop = _segment_edges(start, stop)
        _append_segment(self.segments, name, start, stop)
        self._push(removing_last(self.segments, lambda: _append_segment(self.segments, name, start, stop)))

    def move_segment(self, index: int, start: float, stop: float) -> None:
        """Set the edges of segment ``index`` (it moves to the end of the layer)."""
        start, stop = _segment_edges(start, stop)
        name = str(self.segments.features["name"].iloc[index])

        def move():
            remove(self.segments, {index})
            _append_segment(self.segments, name, start, stop)

        self._edit(self.segments, move)

    def move_event(self, index: int, seconds: float) -> None:
        def move():
            data = self.events.data.copy()
            data[index, -1] = float(seconds)
            self.events.data = data

        self._edit(self.events, move)

    def delete_selected(self) -> int:
        """Delete the selected annotations of both layers; returns how many."""
        n = 0
        for layer in (self.segments, self.events):
            selected = set(layer.selected_data)
            if selected:
                n += len(selected)
                self._edit(layer, lambda layer=layer, selected=selected: remove(layer, selected))
        return n

    def retype_selected(self, name: str) -> int:
        """Give the selected annotations of the layer of ``name``'s kind the song type ``name``.

        A proposal stays a proposal (of ``name``) until it is approved.
        """
        layer = self.segments if self.song_types.get(name) == "segment" else self.events
        selected = sorted(layer.selected_data)
        if not selected or name not in self.song_types:
            return 0
        names = [proposal_name(name) if is_proposal(str(n)) else name for n in layer.features["name"].iloc[selected]]
        if proposal_name(name) in names and proposal_name(name) not in self.song_types:
            self.set_song_types({**self.song_types, proposal_name(name): self.song_types[name]})

        def retype():
            features = layer.features.copy()
            features.loc[selected, "name"] = names
            layer.features = features
            apply_colors(layer)

        self._edit(layer, retype)
        return len(selected)

    def replace_all(self, annotations: Annotations) -> None:
        """Show ``annotations`` instead of the current ones (an autosave recovered; undoable)."""
        parts = annotations_layers_data(annotations, self.freq_range)
        undo = restoring(LayerState.of(self.segments), LayerState.of(self.events))
        (segment_data, segment_kwargs, _), (event_data, event_kwargs, _) = parts
        self.set_song_types({**self.song_types, **annotations.song_types})
        LayerState(self.segments, list(segment_data), segment_kwargs["features"]).restore()
        LayerState(self.events, event_data, event_kwargs["features"]).restore()
        self._push(undo)

    def annotations(self) -> Annotations:
        """The table both layers describe (what Save writes)."""
        return layers_to_annotations([self.segments.as_layer_data_tuple(), self.events.as_layer_data_tuple()])

    # --- proposals -----------------------------------------------------------

    def replace_proposals(self, found: Annotations, start: float, stop: float) -> None:
        """Make ``found`` (song types as a network names them) the proposals starting in ``[start, stop)``."""
        self.replace_all(replace_proposals(self.annotations(), found, start, stop))

    def rows(self, start: float = -np.inf, stop: float = np.inf, *, proposals: bool | None = None,
             song_type: str | None = None) -> dict:
        """``{layer: indices}`` of the annotations starting in ``[start, stop)``: proposals only, approved only
        (``proposals`` True/False) or both; of ``song_type`` (approved or proposed) only if given."""
        found = {}
        for layer, starts in ((self.segments, segment_times(self.segments)[:, 0]), (self.events, _event_times(self))):
            names = layer.features["name"].astype(object).to_numpy() if len(starts) else np.zeros(0, dtype=object)
            keep = (starts >= start) & (starts < stop)
            if proposals is not None:
                keep &= np.array([is_proposal(str(n)) == proposals for n in names], dtype=bool)
            if song_type is not None:
                keep &= np.array([approved_name(str(n)) == song_type for n in names], dtype=bool)
            found[layer] = set(np.flatnonzero(keep).tolist())
        return found

    def approve(self, rows: dict) -> int:
        """Make the proposals among ``rows`` (``{layer: indices}``) annotations of their type; how many (undoable)."""
        chosen = {layer: sorted(i for i in indices if is_proposal(str(layer.features["name"].iloc[i])))
                  for layer, indices in rows.items()}
        chosen = {layer: indices for layer, indices in chosen.items() if indices}
        if not chosen:
            return 0
        undo = restoring(*(LayerState.of(layer) for layer in chosen))
        self.set_song_types({**self.song_types, **{approved_name(n): k for n, k in self.song_types.items()}})
        for layer, indices in chosen.items():
            names = layer.features["name"].astype(object).to_numpy().copy()
            names[indices] = [approved_name(str(n)) for n in names[indices]]
            layer.features = layer.features.assign(name=pd.Categorical(names, categories=list(self.song_types)))
            apply_colors(layer)
        self._push(undo)
        return sum(map(len, chosen.values()))

    def delete(self, rows: dict) -> int:
        """Delete the annotations ``rows`` (``{layer: indices}``); how many (undoable)."""
        chosen = {layer: set(indices) for layer, indices in rows.items() if indices}
        if not chosen:
            return 0
        undo = restoring(*(LayerState.of(layer) for layer in chosen))
        for layer, indices in chosen.items():
            remove(layer, indices)
        self._push(undo)
        return sum(map(len, chosen.values()))

    def undo(self) -> bool:
        done = self.history.undo()
        if done:
            self._changed()
        return done

    def redo(self) -> bool:
        done = self.history.redo()
        if done:
            self._changed()
        return done

    @property
    def can_undo(self) -> bool:
        return self.history.can_undo

    @property
    def can_redo(self) -> bool:
        return self.history.can_redo

    # --- helpers ----------------------------------------------------------

    def _check_kind(self, name: str, kind: str) -> None:
        if self.song_types.get(name) != kind:
            raise ValueError(f"song type {name!r} is not a known {kind} type")

    def _edit(self, layer, change: Callable[[], None]) -> None:
        undo = restoring(LayerState.of(layer))
        change()
        self._push(undo)

    def _push(self, undo) -> None:
        self.history.push(undo)
        self._changed()

    def _changed(self) -> None:
        self.revision += 1
        self._notify()

    def _notify(self) -> None:
        for listener in list(self.listeners):
            listener()


def _event_times(editor: AnnotationEditor) -> np.ndarray:
    return np.asarray(editor.events.data)[:, -1] if len(editor.events.data) else np.zeros(0)


def _set_categories(layer, names: list[str]) -> None:
    """Make every name a category of the layer's ``name`` feature, so annotations of new types can be added.

    Old categories stay: without any, napari's default name is NaN, which its colour mapping rejects.
    """
    features = layer.features
    values = features["name"] if "name" in features else pd.Series([], dtype=object)
    old = list(values.cat.categories) if isinstance(values.dtype, pd.CategoricalDtype) else []
    categories = list(dict.fromkeys([*names, *old, *values.astype(object).dropna()]))
    layer.features = features.assign(name=pd.Categorical(values.astype(object), categories=categories))


def _segment_edges(start: float, stop: float) -> tuple[float, float]:
    """``(start, stop)`` in time order; raises ``ValueError`` when they coincide."""
    start, stop = sorted((float(start), float(stop)))
    if not stop > start:
        raise ValueError("a segment needs a stop after its start")
    return start, stop


def _append_event(layer, name: str, seconds: float) -> None:
    fmin, fmax = layer.metadata["freq_range"]
    layer.feature_defaults["name"] = name
    layer.add(np.array([[(fmin + fmax) / 2, float(seconds)]]))
    layer.selected_data = set()  # napari selects what was added; Delete should not hit it by surprise
    apply_colors(layer)


def _append_segment(layer, name: str, start: float, stop: float) -> None:
    fmin, fmax = layer.metadata["freq_range"]
    layer.feature_defaults["name"] = name
    if "start_seconds" in layer.features:
        layer.feature_defaults["start_seconds"] = start
        layer.feature_defaults["stop_seconds"] = stop
    layer.add_rectangles(np.array([[fmin, start], [fmax, stop]]))
    layer.selected_data = set()
    apply_colors(layer)

