"""npe2 writers: annotation layers become a DeepSS annotation CSV.

A recording's annotations are a segments (shapes) layer ``<name>`` and an
events (points) layer ``<name> events``. Saving either one alone also writes
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
from .annotation_layer import EVENTS_PART, SEGMENTS_PART, layers_to_annotations


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
    """One annotation layer plus its partner from the current viewer, if there is one."""
    if len(layer_data) != 1:
        return layer_data
    import napari

    (_, attributes, _), viewer = layer_data[0], napari.current_viewer()
    name, part = attributes.get("name", ""), (attributes.get("metadata") or {}).get("annotation_part")
    partner_name = {SEGMENTS_PART: f"{name} events", EVENTS_PART: name.removesuffix(" events")}.get(part)
    if viewer is None or partner_name is None or partner_name not in viewer.layers:
        return layer_data
    partner = viewer.layers[partner_name]
    if partner.metadata.get("annotation_part") not in (SEGMENTS_PART, EVENTS_PART) or partner.metadata.get("annotation_part") == part:
        return layer_data
    return [*layer_data, partner.as_layer_data_tuple()]
