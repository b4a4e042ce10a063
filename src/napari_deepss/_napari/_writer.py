"""npe2 writers: annotation layers become a DeepSS annotation CSV.

A recording's annotations are a pair of layers, segments (shapes) and events
(points; see :mod:`.recording_layers`). Saving either one alone also writes
its partner when the current viewer holds it, so a saved file never drops the
other kind of annotations; selecting both writes them together. The Annotate
widget's Save (Ctrl+S) always writes both.

The file is written exactly where the user asked. napari's save dialog
proposes ``<layer name>.csv`` and the reader names segment layers
``<stem>_annotations``, so the default is the DeepSS name that pairs with the
recording (``rec1.wav`` <-> ``rec1_annotations.csv``); a user who types
``rec1.csv`` gets ``rec1.csv`` (still a DeepSS CSV that the reader opens, but
not found automatically beside ``rec1.wav``).
"""

from __future__ import annotations

from ..annotations import write_annotations as write_annotations_csv
from .annotation_layer import layers_to_annotations
from .recording_layers import partner_of


def write_annotations(path: str, data, attributes: dict) -> list[str]:
    """Save one shapes layer (npe2 single-layer writer); returns the path written.

    Song types the layer knows (``metadata['song_types']``) but has no shapes
    for are kept as placeholder rows. The write is atomic.
    """
    return write_annotation_layers(path, [(data, attributes, "shapes")])


def write_annotation_layers(path: str, layer_data: list[tuple]) -> list[str]:
    """Save an events (points) layer, optionally with its segments (shapes) layer, as one CSV."""
    return [str(write_annotations_csv(layers_to_annotations(_with_partner(layer_data)), path))]


def _with_partner(layer_data: list[tuple]) -> list[tuple]:
    """One annotation layer plus its partner from the current viewer, if there is one.

    npe2 hands a writer layer data only, so the partner is looked up in the viewer being saved from.
    """
    if len(layer_data) != 1:
        return layer_data
    import napari

    (_, attributes, _), viewer = layer_data[0], napari.current_viewer()
    partner = None if viewer is None else partner_of(viewer.layers, attributes.get("metadata") or {})
    return layer_data if partner is None else [*layer_data, partner.as_layer_data_tuple()]
