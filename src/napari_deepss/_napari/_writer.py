"""npe2 writers: annotation layers become an annotation file (DeepSS CSV or another tool's format).

A recording's annotations are a pair of layers, segments (shapes) and events
(points; see :mod:`.recording_layers`). Saving either one alone also writes
its partner when the current viewer holds it, so a saved file never drops the
other kind of annotations; selecting both writes them together. The Annotate
widget's Save (Ctrl+S) always writes both.

The DeepSS writers take ``.csv``; the other formats (Raven, Audacity, Praat
TextGrid, evsonganaly ``.not.mat``, generic-seq) have one writer each, chosen
in napari's save dialog by its file type, and write through
:func:`~napari_deepss.annotation_formats.write_recording_annotations`, the
code ``dss convert`` uses: what a format cannot hold is refused with a
message, and ``<stem>_definitions.csv`` is written beside every file. The
recording's rate, duration and file name (which some formats store) come
from its spectrogram in the current viewer, else from the recording beside
the file.

The file is written exactly where the user asked. napari's save dialog
proposes ``<layer name>.csv`` and the reader names segment layers
``<stem>_annotations``, so the default is the DeepSS name that pairs with the
recording (``rec1.wav`` <-> ``rec1_annotations.csv``); a user who types
``rec1.csv`` gets ``rec1.csv`` (still a DeepSS CSV that the reader opens, but
not found automatically beside ``rec1.wav``).
"""

from __future__ import annotations

import functools
from pathlib import Path

from ..annotation_formats import write_recording_annotations
from ..proposals import without_empty_proposal_types
from ..audio import AudioInfo
from .annotation_layer import layers_to_annotations
from .recording_layers import RECORDING, partner_of, spectrogram_of


def write_annotations(path: str, data, attributes: dict) -> list[str]:
    """Save one shapes layer as a DeepSS CSV (npe2 single-layer writer); returns the path written.

    Song types the layer knows (``metadata['song_types']``) but has no shapes
    for are kept as placeholder rows. The write is atomic.
    """
    return write_annotation_layers(path, [(data, attributes, "shapes")])


def write_annotation_layers(path: str, layer_data: list[tuple], format: str = "deepss") -> list[str]:
    """Save an events (points) layer, optionally with its segments (shapes) layer, as one file of ``format``."""
    layer_data, audio = _with_partner(layer_data)
    table = without_empty_proposal_types(layers_to_annotations(layer_data))
    return [str(write_recording_annotations(table, path, audio=audio, format=format))]


write_raven = functools.partial(write_annotation_layers, format="raven")
write_audacity = functools.partial(write_annotation_layers, format="audacity")
write_textgrid = functools.partial(write_annotation_layers, format="textgrid")
write_notmat = functools.partial(write_annotation_layers, format="notmat")
write_generic_seq = functools.partial(write_annotation_layers, format="generic-seq")


def _with_partner(layer_data: list[tuple]) -> tuple[list[tuple], AudioInfo | None]:
    """The annotation layers plus a lone layer's partner, and the recording, from the current viewer.

    npe2 hands a writer layer data only, so partner and recording are looked up in the viewer being saved from.
    """
    import napari

    viewer = napari.current_viewer()
    if viewer is None:
        return layer_data, None
    metadata = layer_data[0][1].get("metadata") or {}
    if len(layer_data) == 1:
        partner = partner_of(viewer.layers, metadata)
        layer_data = layer_data if partner is None else [*layer_data, partner.as_layer_data_tuple()]
    return layer_data, _recording_info(spectrogram_of(viewer.layers, metadata.get(RECORDING)))


def _recording_info(spectrogram) -> AudioInfo | None:
    if spectrogram is None:
        return None
    meta = spectrogram.metadata
    name = meta.get("path") or f"{meta.get(RECORDING)}.wav"
    n_samples = meta["samples"].shape[0]
    return AudioInfo(str(Path(name)), n_samples, meta["n_channels"], meta["samplerate"])
