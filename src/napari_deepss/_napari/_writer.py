"""npe2 writer: a shapes layer becomes a DeepSS annotation CSV.

The file is written exactly where the user asked. napari's save dialog
proposes ``<layer name>.csv`` and the reader names annotation layers
``<stem>_annotations``, so the default is the DeepSS name that pairs with the
recording (``rec1.wav`` <-> ``rec1_annotations.csv``); a user who types
``rec1.csv`` gets ``rec1.csv`` (still a DeepSS CSV that the reader opens, but
not found automatically beside ``rec1.wav``).
"""

from __future__ import annotations

from ..annotations import write_annotations as write_annotations_csv
from .annotation_layer import layer_to_annotations


def write_annotations(path: str, data, attributes: dict) -> list[str]:
    """Save one shapes layer (npe2 single-layer writer); returns the path written.

    Song types the layer knows (``metadata['song_types']``) but has no shapes
    for are kept as placeholder rows. The write is atomic.
    """
    song_types = (attributes.get("metadata") or {}).get("song_types", {})
    table = layer_to_annotations(data, attributes.get("shape_type", []), attributes.get("features"), song_types)
    return [str(write_annotations_csv(table, path))]
