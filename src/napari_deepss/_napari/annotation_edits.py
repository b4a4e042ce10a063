"""Undoable edits of one recording's annotation layers (segments: Shapes, events: Points).

Every edit goes through :class:`AnnotationEditor`, which keeps an undo stack
and a revision number that also counts changes made with napari's own layer
tools; :attr:`AnnotationEditor.has_unsaved_changes` compares it with the
revision last saved. Times are exact: a new or moved segment also gets its
float64 times in the ``start_seconds``/``stop_seconds`` features (see
:mod:`.annotation_layer`), and events are float64 points. Segments always
span the layer's whole frequency range and events sit at its middle.

Undoing an added annotation removes it; other edits are undone by restoring
the layer's previous data and features (a copy taken before the edit).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from ..annotations import Annotations
from .annotation_layer import annotations_layers_data, apply_colors, layers_to_annotations
from .recording_layers import PART, SEGMENTS

UNDO_LIMIT = 100


@dataclass
class _LayerState:
    layer: object
    data: object
    features: pd.DataFrame

    @classmethod
    def of(cls, layer) -> _LayerState:
        data = [np.array(v) for v in layer.data] if layer.metadata[PART] == SEGMENTS else layer.data.copy()
        return cls(layer, data, layer.features.copy())

    def restore(self) -> None:
        layer = self.layer
        if layer.metadata[PART] == SEGMENTS:
            layer.data = []
            if self.data:
                layer.add_rectangles(self.data)
        else:
            layer.data = self.data
        layer.features = self.features.reset_index(drop=True)
        apply_colors(layer)


class AnnotationEditor:
    """Edits of a segments (Shapes) and an events (Points) layer that share song types."""

    def __init__(self, segments, events, on_change: Callable[[], None] | None = None):
        self.segments = segments
        self.events = events
        self.revision = 0
        self.saved_revision = 0
        self._undo: list[Callable[[], None]] = []
        self._on_change = on_change
        for layer in (segments, events):
            layer.events.data.connect(self._on_layer_data)

    @property
    def has_unsaved_changes(self) -> bool:
        return self.revision != self.saved_revision

    def mark_saved(self) -> None:
        self.saved_revision = self.revision
        if self._on_change is not None:
            self._on_change()

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
                self._edit(layer, lambda layer=layer, indices=indices: _remove(layer, set(indices.tolist())))
        self.set_song_types({n: k for n, k in self.song_types.items() if n != name})

    def recolor_song_type(self, name: str, color: str) -> None:
        colors = {**self.segments.metadata.get("colors", {}), name: color}
        self.set_song_types(self.song_types, colors)

    # --- annotations ------------------------------------------------------

    def add_event(self, name: str, seconds: float) -> None:
        self._check_kind(name, "event")
        fmin, fmax = self.freq_range
        self.events.feature_defaults["name"] = name
        self.events.add(np.array([[(fmin + fmax) / 2, float(seconds)]]))
        self.events.selected_data = set()  # napari selects what was added; Delete should not hit it by surprise
        apply_colors(self.events)
        self._push(lambda: _remove(self.events, {len(self.events.data) - 1}))

    def add_segment(self, name: str, start: float, stop: float) -> None:
        self._check_kind(name, "segment")
        start, stop = _segment_edges(start, stop)
        _append_segment(self.segments, name, start, stop)
        self._push(lambda: _remove(self.segments, {len(self.segments.data) - 1}))

    def move_segment(self, index: int, start: float, stop: float) -> None:
        """Set the edges of segment ``index`` (it moves to the end of the layer)."""
        start, stop = _segment_edges(start, stop)
        name = str(self.segments.features["name"].iloc[index])

        def move():
            _remove(self.segments, {index})
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
                self._edit(layer, lambda layer=layer, selected=selected: _remove(layer, selected))
        return n

    def retype_selected(self, name: str) -> int:
        """Give the selected annotations of the layer of ``name``'s kind the song type ``name``."""
        layer = self.segments if self.song_types.get(name) == "segment" else self.events
        selected = sorted(layer.selected_data)
        if not selected or name not in self.song_types:
            return 0

        def retype():
            features = layer.features.copy()
            features.loc[selected, "name"] = name
            layer.features = features
            apply_colors(layer)

        self._edit(layer, retype)
        return len(selected)

    def replace_all(self, annotations: Annotations) -> None:
        """Show ``annotations`` instead of the current ones (an autosave recovered; undoable)."""
        parts = annotations_layers_data(annotations, self.freq_range)
        states = [_LayerState.of(self.segments), _LayerState.of(self.events)]
        (segment_data, segment_kwargs, _), (event_data, event_kwargs, _) = parts
        self.set_song_types({**self.song_types, **annotations.song_types})
        _LayerState(self.segments, list(segment_data), segment_kwargs["features"]).restore()
        _LayerState(self.events, event_data, event_kwargs["features"]).restore()
        self._push(lambda: [state.restore() for state in states])

    def annotations(self) -> Annotations:
        """The table both layers describe (what Save writes)."""
        return layers_to_annotations([self.segments.as_layer_data_tuple(), self.events.as_layer_data_tuple()])

    def undo(self) -> bool:
        if not self._undo:
            return False
        self._undo.pop()()
        self._changed()
        return True

    @property
    def can_undo(self) -> bool:
        return bool(self._undo)

    # --- helpers ----------------------------------------------------------

    def _check_kind(self, name: str, kind: str) -> None:
        if self.song_types.get(name) != kind:
            raise ValueError(f"song type {name!r} is not a known {kind} type")

    def _edit(self, layer, change: Callable[[], None]) -> None:
        state = _LayerState.of(layer)
        change()
        self._push(state.restore)

    def _push(self, undo: Callable[[], None]) -> None:
        self._undo = [*self._undo[-(UNDO_LIMIT - 1) :], undo]
        self._changed()

    def _changed(self) -> None:
        self.revision += 1
        if self._on_change is not None:
            self._on_change()


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


def _remove(layer, indices: set[int]) -> None:
    if not indices:
        return
    layer.selected_data = set(indices)
    layer.remove_selected()


def _append_segment(layer, name: str, start: float, stop: float) -> None:
    fmin, fmax = layer.metadata["freq_range"]
    layer.feature_defaults["name"] = name
    if "start_seconds" in layer.features:
        layer.feature_defaults["start_seconds"] = start
        layer.feature_defaults["stop_seconds"] = stop
    layer.add_rectangles(np.array([[fmin, start], [fmax, stop]]))
    layer.selected_data = set()
    apply_colors(layer)

