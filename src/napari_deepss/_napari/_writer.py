"""npe2 writers: annotation layers become a DeepSS annotation CSV.

A recording's annotations are a segments (shapes) and an events (points)
layer. Select both and save to write the whole table; a single layer writes
only its own annotations (plus placeholder rows for every known song type).
The Annotate widget's Save (Ctrl+S) always writes both.

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


def write_annotations(path: str, data, attributes: dict) -> list[str]:
    """Save one shapes layer (npe2 single-layer writer); returns the path written.

    Song types the layer knows (``metadata['song_types']``) but has no shapes
    for are kept as placeholder rows. The write is atomic.
    """
    return write_annotation_layers(path, [(data, attributes, "shapes")])


def write_annotation_layers(path: str, layer_data: list[tuple]) -> list[str]:
    """Save an events (points) layer, optionally with its segments (shapes) layer, as one CSV."""
    return [str(write_annotations_csv(layers_to_annotations(layer_data), path))]
