"""Which layers belong to which recording: the one place that ties layers together.

Every layer napari-deepss makes carries in its ``metadata``

- :data:`KIND` (``deepss_kind``): what it shows (:data:`SPECTROGRAM`, :data:`WAVEFORM`, :data:`ANNOTATIONS`,
  :data:`PROBABILITIES`, :data:`DATASET_PIECES`, :data:`PLAYBACK_CURSOR`; a new kind of layer of a recording is
  one more constant);
- :data:`RECORDING`: the name of the recording it belongs to (the stem that pairs ``rec1.wav`` with
  ``rec1_annotations.csv``, the sample's name or a dataset split's), given by whoever makes the layer data
  (readers, sample data, Annotate, Predict) with :func:`belonging_to`.

Annotations are a pair of layers, segments (Shapes) and events (Points), that also carry their
:data:`PART`, their :data:`SET` and the number of their :data:`PAIR` (:func:`pair_metadata`). A recording's
own annotations (:data:`OWN_SET`) are what Annotate edits and saves beside the recording (proposals of networks
and of the detector included); the detector's live preview and a dataset's targets are pairs of other sets,
which Annotate leaves alone and the writer saves like any pair.

Every lookup reads metadata only, never layer names: renaming a layer changes nothing.
"""

from __future__ import annotations

import itertools

KIND = "deepss_kind"
RECORDING = "recording"
PART = "annotation_part"
SET = "annotation_set"
PAIR = "annotation_pair"

SPECTROGRAM = "spectrogram"
WAVEFORM = "waveform"
PLAYBACK_CURSOR = "playback_cursor"
ANNOTATIONS = "annotations"
PROBABILITIES = "probabilities"
DATASET_PIECES = "dataset_pieces"

SEGMENTS = "segments"
EVENTS = "events"

OWN_SET = "own"
PREVIEW_SET = "preview"
TARGETS_SET = "targets"

_pair_numbers = itertools.count(1)


def belonging_to(recording: str, layer_data: list[tuple]) -> list[tuple]:
    """Tag the metadata of each ``(data, kwargs, layer_type)`` as a layer of ``recording``; returns the list."""
    for _, kwargs, _ in layer_data:
        kwargs["metadata"] = {**kwargs.get("metadata", {}), RECORDING: recording}
    return layer_data


def pair_metadata(annotation_set: str) -> dict:
    """Metadata shared by the two layers of a new annotation pair of ``annotation_set``."""
    return {SET: annotation_set, PAIR: next(_pair_numbers)}


def unwrapped(layer):
    """The layer behind napari's ``PublicOnlyProxy``, or the layer itself.

    A plugin's viewer hands out a new proxy of a layer on every access: they
    compare equal (``==``, ``in``) but not identical (``is``), and die at once
    (no weak reference outlives the moment). Whoever keeps layers keeps these.
    """
    return getattr(layer, "__wrapped__", layer)


def kind_of(layer) -> str | None:
    return layer.metadata.get(KIND)


def recording_of(layer) -> str | None:
    return layer.metadata.get(RECORDING)


def spectrograms(layers) -> list:
    """The spectrogram layers among ``layers`` (e.g. ``viewer.layers``), in their order."""
    return [layer for layer in layers if kind_of(layer) == SPECTROGRAM]


def spectrogram_of(layers, recording: str | None):
    """The first spectrogram of ``recording`` among ``layers``, or ``None``."""
    if recording is None:
        return None
    return next((layer for layer in spectrograms(layers) if recording_of(layer) == recording), None)


def waveform_of(layers, recording: str | None):
    """The first waveform of ``recording`` among ``layers``, or ``None``."""
    return next((layer for layer in layers if kind_of(layer) == WAVEFORM and recording_of(layer) == recording), None)


def annotation_pairs_of(layers, recording: str | None, annotation_set: str = OWN_SET) -> list[dict]:
    """The annotation pairs of ``annotation_set`` of ``recording`` as ``{part: layer}``, complete or not."""
    if recording is None:
        return []
    pairs: dict = {}
    for layer in layers:
        meta = layer.metadata
        if meta.get(KIND) == ANNOTATIONS and meta.get(SET) == annotation_set and meta.get(RECORDING) == recording:
            pairs.setdefault(meta.get(PAIR), {}).setdefault(meta.get(PART), layer)
    return list(pairs.values())


def annotation_layers_of(layers, recording: str | None, annotation_set: str = OWN_SET) -> tuple | None:
    """``(segments, events)``: the first complete pair of ``annotation_set`` of ``recording``, or ``None``."""
    pairs = annotation_pairs_of(layers, recording, annotation_set)
    return next(((pair[SEGMENTS], pair[EVENTS]) for pair in pairs if SEGMENTS in pair and EVENTS in pair), None)


def partner_of(layers, metadata) -> object | None:
    """The other layer of the annotation pair whose layer has ``metadata``, if it is among ``layers``."""
    if metadata.get(KIND) != ANNOTATIONS or metadata.get(PAIR) is None:
        return None
    return next(
        (
            layer
            for layer in layers
            if layer.metadata.get(PAIR) == metadata[PAIR] and layer.metadata.get(PART) not in (None, metadata.get(PART))
        ),
        None,
    )
