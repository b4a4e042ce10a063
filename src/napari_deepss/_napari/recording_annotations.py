"""A recording's own annotation layers and their editor, made when missing: where Annotate edits and proposals go.

Annotate, Predict, the detector and quick train all work on the pair of
annotation layers of a recording's :data:`~.recording_layers.OWN_SET` (what
Annotate saves beside the recording) through its one
:class:`~.annotation_edits.AnnotationEditor`, so proposals are edited, undone
and saved like any annotation.
"""

from __future__ import annotations

from napari.layers import Layer

from ..annotations import Annotations, annotations_path_for
from .annotation_edits import AnnotationEditor, editor_for
from .annotation_layer import annotations_layers_data
from .recording_layers import (
    EVENTS,
    PART,
    SEGMENTS,
    annotation_layers_of,
    annotation_pairs_of,
    belonging_to,
    recording_of,
)


def own_layers(viewer, spectrogram, create: bool = False) -> tuple | None:
    """``(segments, events)`` of the recording of ``spectrogram``; with ``create`` added when missing."""
    recording = recording_of(spectrogram)
    layers = annotation_layers_of(viewer.layers, recording)
    return _add_layers(viewer, spectrogram) if layers is None and create else layers


def own_editor(viewer, spectrogram) -> AnnotationEditor:
    """The editor of the recording's own annotation layers, which are added when missing."""
    return editor_for(*own_layers(viewer, spectrogram, create=True))


def add_proposals(viewer, spectrogram, found: Annotations, start: float, stop: float) -> AnnotationEditor:
    """Make ``found`` (song types as a network names them) the recording's proposals starting in ``[start, stop)``.

    Old proposals starting there are replaced; approved annotations stay. One
    undoable edit of the recording's annotations; returns their editor.
    """
    editor = own_editor(viewer, spectrogram)
    editor.replace_proposals(found, start, stop)
    return editor


def _add_layers(viewer, spectrogram) -> tuple:
    """Add the recording's annotation layers; a layer whose partner was removed gets a new partner."""
    recording = recording_of(spectrogram)
    pairs = annotation_pairs_of(viewer.layers, recording)
    pair = dict(pairs[0]) if pairs else {}
    shared = next(iter(pair.values())).metadata if pair else None
    meta = spectrogram.metadata
    path = annotations_path_for(meta["path"]) if meta.get("path") else None
    table = Annotations(song_types=shared["song_types"] if shared else {})
    new = annotations_layers_data(table, meta["freq_range"], name=f"{recording}_annotations", path=path)
    for data, kwargs, layer_type in belonging_to(recording, new):
        part = kwargs["metadata"][PART]
        if part not in pair:
            kwargs["metadata"] = {**kwargs["metadata"], **(shared or {}), PART: part}
            pair[part] = viewer.add_layer(Layer.create(data, kwargs, layer_type))
    viewer.layers.selection.active = spectrogram
    return pair[SEGMENTS], pair[EVENTS]
