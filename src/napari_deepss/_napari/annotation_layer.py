"""Convert between an :class:`~napari_deepss.annotations.Annotations` table and napari layers.

One recording's annotations are two layers that share ``metadata``
(``song_types``, ``path``, ``freq_range`` and the pair's membership keys of
:mod:`.recording_layers`): segments as rectangles in a Shapes layer and events
as vertical ticks in a Points layer (their ``annotation_part`` tells them apart).

Why events are points: napari 0.9.2's Shapes layer triangulates every shape
in Python; 10,000 event lines took 6.9 s to build and 0.2 s per added line
on 2 cores (3.5 s and 0.19 s with the compiled ``bermuda`` backend), while a
Points layer takes 0.17 s and 0.04 s. A point sits at ``(centre of the
frequency range, t)`` and is drawn as a ``vbar`` tick. napari draws markers
with one size for both axes (a ``vbar`` is a third as wide as it is tall),
so a tick spanning the whole frequency range would be far too wide, and
napari's ``canvas_size_limits`` clamp draws grey squares; ticks are
``EVENT_TICK_SECONDS`` tall instead, a short vertical line at each event's
time. The viewer hooks only move the events layer (a ``translate``, no
frequency-compressing affine, which would stretch the markers). Points keep float64 coordinates, so
event times are exact.

Vertices are ``(frequency Hz, time s)``, as the spectrogram's pixels are
placed (the viewer hooks give all these layers one display transform).
``features['name']`` holds the song type. Proposals (``<type>_proposals``)
are drawn in their type's colour, translucent (:func:`song_type_colors`).

napari stores shape vertices as float32 (about 2 microseconds of resolution at
60 s, 0.2 ms at one hour). So that opening and saving an unchanged file keeps
its times to the last digit, the segment times read from the file are also
kept in float64 feature columns ``start_seconds``/``stop_seconds``; they are
used for a shape whose vertices still sit at those times, and the vertices
win otherwise (a moved or newly drawn shape).
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
from napari.utils.colormaps.standardize_color import transform_color

from ..annotations import Annotations
from ..proposals import approved_name, is_proposal
from .recording_layers import ANNOTATIONS, EVENTS, KIND, OWN_SET, PART, SEGMENTS, pair_metadata
from .spectrogram_layer import FIRST_VIEW_SECONDS

#: frequency range (Hz) of annotations with no recording to take it from
DEFAULT_FREQ_RANGE = (0.0, 1000.0)
#: metadata key: the frequency range is :data:`DEFAULT_FREQ_RANGE`, not a recording's (the viewer hooks replace it)
GUESSED_FREQ_RANGE = "freq_range_guessed"

# Bright, mutually distinct colours that stay visible on a dark spectrogram.
PALETTE = (
    "#00e5ff",
    "#ffd600",
    "#ff4081",
    "#76ff03",
    "#ff9100",
    "#d500f9",
    "#1de9b6",
    "#ff1744",
    "#448aff",
    "#eeff41",
)
FACE_ALPHA = 0.2
# Proposals (not yet approved) are drawn in their type's colour, translucent: edges and ticks at this opacity
# (hex alpha, 0x88 = 53 %) and segment faces nearly clear, so approved annotations stand out filled.
PROPOSAL_ALPHA = "88"
PROPOSAL_FACE_ALPHA = 0.04
# napari draws edges in data units (here seconds): about 1-2 screen pixels in the first view.
EDGE_WIDTH_SECONDS = FIRST_VIEW_SECONDS / 500
# Height of an event tick in display units (seconds): 15 px tall and 5 px wide in the first view.
EVENT_TICK_SECONDS = 15 * FIRST_VIEW_SECONDS / 800
# ... and never taller than this on screen: zoomed in on pulses, ticks would otherwise hide the spectrogram.
EVENT_TICK_MAX_PIXELS = 18
# napari places shape labels in time quadratic in the number of shapes (10,000
# labelled lines: 40 s to add); larger layers start with their labels hidden.
TEXT_LABEL_LIMIT = 500
# Shapes whose kind is read from the vertices alone.
_PATH_SHAPES = ("line", "path")


def song_type_colors(song_types) -> dict[str, str]:
    """Colour of each song type: the palette in natural order of the names; proposals as their type, translucent.

    Files that share song types (``syll_0``..``syll_8``) therefore share colours.
    """
    ordered = sorted({approved_name(n) for n in song_types}, key=_natural_key)
    colors = {name: PALETTE[i % len(PALETTE)] for i, name in enumerate(ordered)}
    return _with_proposals(colors, song_types)


def layer_colors(metadata) -> dict[str, str]:
    """Colour of each song type of an annotation layer: the palette, or the user's choice in ``metadata['colors']``."""
    song_types = metadata.get("song_types", {})
    ordered = sorted({approved_name(n) for n in song_types}, key=_natural_key)
    chosen = {name: PALETTE[i % len(PALETTE)] for i, name in enumerate(ordered)}
    chosen.update({n: c for n, c in metadata.get("colors", {}).items() if not is_proposal(n)})
    return _with_proposals(chosen, song_types)


def _with_proposals(colors: dict[str, str], song_types) -> dict[str, str]:
    """``colors`` of the approved types, and for each proposal type its type's colour at :data:`PROPOSAL_ALPHA`."""
    return {**colors, **{n: colors[approved_name(n)] + PROPOSAL_ALPHA for n in song_types if is_proposal(n)}}


def apply_colors(layer) -> None:
    """Colour the layer's annotations by :func:`layer_colors` (after new song types or recolouring)."""
    colors = layer_colors(layer.metadata)
    if layer.metadata.get(PART) == EVENTS:
        layer.face_color_cycle = colors or list(PALETTE)
        return
    # napari keeps the name -> colour mapping it handed out; replace it and recolour
    layer.edge_color_cycle_map = {name: transform_color(c)[0] for name, c in colors.items()}
    layer.face_color_cycle_map = {name: np.array(_face_color(c)) for name, c in colors.items()}
    layer.refresh_colors(update_color_mapping=False)


def _color_cycle(colors: dict[str, str], present) -> list[str]:
    """A napari colour cycle that gives each song type its colour in ``colors``.

    napari hands the cycle out to the sorted distinct names present in the
    layer; the types without shapes follow, then the palette again.
    """
    absent = [n for n in sorted(colors, key=_natural_key) if n not in present]
    return [colors[n] for n in sorted(present)] + [colors[n] for n in absent] + list(PALETTE)


def _natural_key(name: str):
    return [(0, int(part), "") if part.isdigit() else (1, 0, part) for part in re.split(r"(\d+)", name)]


def _face_color(hex_color: str) -> list[float]:
    """The face of a segment: its colour at FACE_ALPHA, or nearly clear for a proposal (``#rrggbbaa``)."""
    rgb = [int(hex_color[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    return [*rgb, PROPOSAL_FACE_ALPHA if len(hex_color) == 9 else FACE_ALPHA]


def annotations_layers_data(
    annotations: Annotations, freq_range, *, name=None, path=None, annotation_set: str = OWN_SET
) -> list[tuple]:
    """Layer-data tuples drawing the annotations: ``[segments (shapes), events (points)]``, a new pair.

    ``freq_range`` is ``(fmin, fmax)`` in Hz: the vertical extent of every
    annotation (``None``: :data:`DEFAULT_FREQ_RANGE`, marked as guessed). Both
    layers are returned even when one of them is empty, so either kind can be
    drawn. The segments layer is called ``name`` (napari's save dialog proposes
    ``<name>.csv``), the events layer ``<name> events``.
    """
    guessed = freq_range is None
    fmin, fmax = (float(f) for f in (DEFAULT_FREQ_RANGE if guessed else freq_range))
    name = name or "annotations"
    keep = ~annotations.is_placeholder
    names = np.asarray(annotations.names, dtype=object)[keep]
    start = annotations.start_seconds[keep]
    stop = annotations.stop_seconds[keep]
    channel = _rows(annotations.channel, keep)
    song_types = dict(annotations.song_types)
    is_segment = np.array([song_types[n] == "segment" for n in names], dtype=bool)
    metadata = {
        KIND: ANNOTATIONS,
        **pair_metadata(annotation_set),
        "song_types": song_types,
        "path": None if path is None else str(path),
        "freq_range": (fmin, fmax),
        GUESSED_FREQ_RANGE: guessed,
    }
    segments = _segments_layer_data(
        names[is_segment], start[is_segment], stop[is_segment], _rows(channel, is_segment), (fmin, fmax), name, metadata
    )
    events = _events_layer_data(names[~is_segment], start[~is_segment], _rows(channel, ~is_segment), (fmin, fmax), name, metadata)
    return [segments, events]


def _rows(channel, keep):
    return None if channel is None else channel[keep]


def _segments_layer_data(names, start, stop, channel, freq_range, name, metadata) -> tuple:
    fmin, fmax = freq_range
    rectangles = np.empty((len(names), 4, 2))
    rectangles[:, :, 0] = (fmin, fmax, fmax, fmin)
    rectangles[:, :, 1] = np.stack([start, start, stop, stop], axis=1)
    features = _features(names, metadata["song_types"], channel, start_seconds=start, stop_seconds=stop)
    cycle = _color_cycle(song_type_colors(metadata["song_types"]), set(names))
    kwargs = {
        **_common_kwargs(name, features, len(names), metadata, SEGMENTS),
        "shape_type": "rectangle",
        "edge_color": "name",
        "edge_color_cycle": cycle,
        "face_color": "name",
        "face_color_cycle": [_face_color(c) for c in cycle],
        "edge_width": EDGE_WIDTH_SECONDS,
    }
    return list(rectangles), kwargs, "shapes"


def _events_layer_data(names, times, channel, freq_range, name, metadata) -> tuple:
    fmin, fmax = freq_range
    points = np.stack([np.full(len(names), (fmin + fmax) / 2), times], axis=1)
    features = _features(names, metadata["song_types"], channel)
    kwargs = {
        **_common_kwargs(f"{name} events", features, len(names), metadata, EVENTS),
        "symbol": "vbar",
        "size": EVENT_TICK_SECONDS,
        "canvas_size_limits": (2, EVENT_TICK_MAX_PIXELS),
        "face_color": "name",
        "face_color_cycle": song_type_colors(metadata["song_types"]) or list(PALETTE),
        "border_width": 0,
    }
    return points, kwargs, "points"


def _features(names, song_types, channel, **times) -> pd.DataFrame:
    # napari colours the default value of a new row at once; without categories it is NaN, which fails
    categories = list(song_types) or [""]
    features = pd.DataFrame({"name": pd.Categorical(names, categories=categories), **times})
    if channel is not None:
        features["channel"] = channel
    return features


def _common_kwargs(name, features, n, metadata, part) -> dict:
    return {
        "name": name,
        "ndim": 2,
        "features": features,
        "text": {
            "string": "{name}",
            "anchor": "lower_left",
            "size": 9,
            "color": "white",
            "visible": n <= TEXT_LABEL_LIMIT,
        },
        "axis_labels": ("frequency", "time"),
        "units": ("Hz", "s"),
        "metadata": {**metadata, PART: part},
    }


def set_freq_range(layer, freq_range) -> None:
    """Move an annotation layer onto ``freq_range`` (Hz): segments span it, events sit at its middle."""
    fmin, fmax = (float(f) for f in freq_range)
    old_min, old_max = layer.metadata["freq_range"]
    if len(layer.data) and layer.metadata[PART] == EVENTS:
        data = layer.data.copy()
        data[:, 0] = (fmin + fmax) / 2
        layer.data = data
    elif len(layer.data):
        stretch = (fmax - fmin) / (old_max - old_min)
        layer.data = [np.column_stack([fmin + (v[:, 0] - old_min) * stretch, v[:, 1:]]) for v in layer.data]
    layer.metadata = {**layer.metadata, "freq_range": (fmin, fmax), GUESSED_FREQ_RANGE: False}


def layers_to_annotations(layer_data, song_types=None) -> Annotations:
    """The annotation table that the layer-data tuples of one recording describe.

    ``layer_data`` holds ``(data, attributes, layer_type)`` of a segments
    (shapes) and/or an events (points) layer. Rows come in time order, then
    a placeholder row for every known song type without annotations. Song
    types are those of ``song_types`` and of the layers' metadata.
    """
    known = dict(song_types or {})
    for _, attributes, _ in layer_data:
        known = {**(attributes.get("metadata") or {}).get("song_types", {}), **known}
    tables = []
    for data, attributes, layer_type in layer_data:
        if layer_type == "points":
            tables.append(points_to_annotations(data, attributes.get("features"), known))
        else:
            tables.append(layer_to_annotations(data, attributes.get("shape_type", []), attributes.get("features"), known))
    return _merged(tables, known)


def _merged(tables: list[Annotations], song_types: dict) -> Annotations:
    """The tables' annotations in time order; ``from_rows`` adds the placeholders afresh."""
    names = np.array([n for t in tables for n in t.names], dtype=object)
    start = np.concatenate([np.zeros(0), *(t.start_seconds for t in tables)])
    stop = np.concatenate([np.zeros(0), *(t.stop_seconds for t in tables)])
    channel = np.concatenate([_channel_or_blank(t) for t in tables]) if any(t.channel is not None for t in tables) else None
    real = np.flatnonzero(~np.isnan(start))
    order = real[np.argsort(start[real], kind="stable")]
    return Annotations.from_rows(
        names[order].tolist(), start[order], stop[order], song_types=song_types, channel=None if channel is None else channel[order]
    )


def _channel_or_blank(table: Annotations) -> np.ndarray:
    return table.channel if table.channel is not None else np.full(len(table), "", dtype=object)


def points_to_annotations(data, features, song_types) -> Annotations:
    """Events from a Points layer's parts: one event per point at its time (last column).

    Raises ``ValueError`` for points without a song type name and for points
    whose type is a segment type.
    """
    song_types = dict(song_types or {})
    features = pd.DataFrame(features) if features is not None else pd.DataFrame()
    times = np.asarray(data, dtype=np.float64).reshape(-1, 2)[:, -1] if len(data) else np.zeros(0)
    names = _shape_names(features, len(times))
    _check_named(names, times)
    for i, name in enumerate(names):
        if song_types.get(name) == "segment":
            raise ValueError(
                f"event {i} at {times[i]:.4f} s has song type {name!r}, which is a segment type; "
                "draw a rectangle or choose an event type"
            )
    channel = features["channel"].to_numpy(dtype=object) if "channel" in features else None
    return Annotations.from_rows(names, times, times, song_types={**song_types, **dict.fromkeys(names, "event")}, channel=channel)


def layer_to_annotations(data, shape_types, features, song_types) -> Annotations:
    """The annotation table a Shapes layer's parts describe.

    ``data`` are the shapes' vertices (``[..., time]`` in the last column),
    ``shape_types`` their napari types, ``features`` a table with a ``name``
    column and ``song_types`` maps known song types to ``'event'``/``'segment'``;
    known types without shapes keep placeholder rows. A rectangle (or other
    area) becomes a segment from its left to its right edge; a line, a path or a
    zero-width shape becomes an event. Raises ``ValueError`` for shapes without
    a song type name and for shapes that contradict their type's kind.
    """
    song_types = dict(song_types or {})
    features = pd.DataFrame(features) if features is not None else pd.DataFrame()
    n = len(data)
    names = _shape_names(features, n)
    t_min, t_max = _time_bounds(data)
    _check_named(names, t_min)
    start, stop = t_min.copy(), t_max.copy()
    for i, (name, shape_type) in enumerate(zip(names, shape_types)):
        kind = song_types.get(name)
        is_path = shape_type in _PATH_SHAPES
        if is_path and kind == "segment":
            raise ValueError(
                f"shape {i} at {t_min[i]:.4f} s is a {shape_type} (an event) but song type {name!r} is a segment; "
                "draw a rectangle or choose an event type"
            )
        if not is_path and kind == "event" and t_max[i] > t_min[i]:
            raise ValueError(
                f"shape {i} spans {t_min[i]:.4f}-{t_max[i]:.4f} s but song type {name!r} is an event; "
                "draw a line or choose a segment type"
            )
        if is_path or t_max[i] == t_min[i]:
            start[i] = stop[i] = t_min[i] if t_max[i] == t_min[i] else (t_min[i] + t_max[i]) / 2
    start, stop = _restore_file_times(start, stop, features)
    channel = features["channel"].to_numpy(dtype=object) if "channel" in features else None
    return Annotations.from_rows(names, start, stop, song_types=song_types, channel=channel)


def segment_times(layer) -> np.ndarray:
    """``[n, 2]`` start and stop seconds of a segments layer's rectangles (file times where unmoved)."""
    if not len(layer.data):
        return np.zeros((0, 2))
    return np.stack(_restore_file_times(*_time_bounds(layer.data), layer.features), axis=1)


def _time_bounds(data) -> tuple[np.ndarray, np.ndarray]:
    """Earliest and latest time (last column) of each shape's vertices."""
    t_min = np.array([np.min(np.asarray(v)[:, -1]) for v in data], dtype=np.float64)
    t_max = np.array([np.max(np.asarray(v)[:, -1]) for v in data], dtype=np.float64)
    return t_min, t_max


def _shape_names(features: pd.DataFrame, n: int) -> list[str]:
    if "name" not in features or len(features) != n:
        return [""] * n
    return ["" if pd.isna(v) else str(v).strip() for v in features["name"].to_numpy(dtype=object)]


def _check_named(names: list[str], t_min: np.ndarray) -> None:
    unnamed = [i for i, name in enumerate(names) if not name]
    if unnamed:
        first = unnamed[0]
        raise ValueError(
            f"{len(unnamed)} shape(s) have no song type name (the first is shape {first} at {t_min[first]:.4f} s); "
            "set 'name' in the layer's features or delete them"
        )


def _restore_file_times(start: np.ndarray, stop: np.ndarray, features: pd.DataFrame):
    """Use the float64 times read from the file where the float32 vertices still match them."""
    if "start_seconds" not in features or "stop_seconds" not in features or len(features) != len(start):
        return start, stop
    file_start = features["start_seconds"].to_numpy(dtype=np.float64)
    file_stop = features["stop_seconds"].to_numpy(dtype=np.float64)
    f32 = np.float32
    unmoved = (file_start.astype(f32) == start.astype(f32)) & (file_stop.astype(f32) == stop.astype(f32))
    return np.where(unmoved, file_start, start), np.where(unmoved, file_stop, stop)
