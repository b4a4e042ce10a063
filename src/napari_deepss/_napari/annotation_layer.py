"""Convert between an :class:`~napari_deepss.annotations.Annotations` table and a napari Shapes layer.

Shape vertices are ``(frequency Hz, time s)``, as the spectrogram's pixels are
placed (the viewer hooks give both layers one display transform). Segments
become rectangles and events vertical lines, both spanning the
displayed frequency range. ``features['name']`` holds the song type.

napari stores shape vertices as float32 (about 2 microseconds of resolution at
60 s, 0.2 ms at one hour). So that opening and saving an unchanged file keeps
its times to the last digit, the times read from the file are also kept in
float64 feature columns ``start_seconds``/``stop_seconds``; they are used for a
shape whose vertices still sit at those times, and the vertices win otherwise
(a moved or newly drawn shape).
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from ..annotations import Annotations
from .spectrogram_layer import FIRST_VIEW_SECONDS

LAYER_KIND = "annotations"

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
# napari draws edges in data units (here seconds): about 1-2 screen pixels in the first view.
EDGE_WIDTH_SECONDS = FIRST_VIEW_SECONDS / 500
# napari places shape labels in time quadratic in the number of shapes (10,000
# labelled lines: 40 s to add); larger layers start with their labels hidden.
TEXT_LABEL_LIMIT = 500
# Shapes whose kind is read from the vertices alone.
_PATH_SHAPES = ("line", "path")


def song_type_colors(song_types) -> dict[str, str]:
    """Colour of each song type: the palette in natural order of the names.

    Files that share song types (``syll_0``..``syll_8``) therefore share colours.
    """
    ordered = sorted(song_types, key=_natural_key)
    return {name: PALETTE[i % len(PALETTE)] for i, name in enumerate(ordered)}


def _color_cycle(song_types, present) -> list[str]:
    """A napari colour cycle that gives each song type its :func:`song_type_colors` colour.

    napari hands the cycle out to the sorted distinct names present in the
    layer; the types without shapes follow, then the palette again.
    """
    colors = song_type_colors(song_types)
    absent = [n for n in sorted(song_types, key=_natural_key) if n not in present]
    return [colors[n] for n in sorted(present)] + [colors[n] for n in absent] + list(PALETTE)


def _natural_key(name: str):
    return [(0, int(part), "") if part.isdigit() else (1, 0, part) for part in re.split(r"(\d+)", name)]


def _face_color(hex_color: str) -> list[float]:
    rgb = [int(hex_color[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    return [*rgb, FACE_ALPHA]


def annotations_layer_data(annotations: Annotations, freq_range, *, name=None, path=None):
    """A napari layer-data tuple ``(data, kwargs, "shapes")`` drawing the annotations.

    ``freq_range`` is ``(fmin, fmax)`` in Hz: the vertical extent of every shape.
    """
    fmin, fmax = (float(f) for f in freq_range)
    keep = ~annotations.is_placeholder
    names = np.asarray(annotations.names, dtype=object)[keep]
    start = annotations.start_seconds[keep]
    stop = annotations.stop_seconds[keep]
    is_segment = np.array([annotations.song_types[n] == "segment" for n in names], dtype=bool)

    rectangles = np.empty((len(names), 4, 2))
    rectangles[:, :, 0] = (fmin, fmax, fmax, fmin)
    rectangles[:, :, 1] = np.stack([start, start, stop, stop], axis=1)
    lines = np.empty((len(names), 2, 2))
    lines[:, :, 0] = (fmin, fmax)
    lines[:, :, 1] = start[:, np.newaxis]
    data = [rectangles[i] if seg else lines[i] for i, seg in enumerate(is_segment)]
    shape_type = np.where(is_segment, "rectangle", "line").tolist()

    song_types = dict(annotations.song_types)
    cycle = _color_cycle(song_types, set(names))
    features = pd.DataFrame(
        {
            "name": pd.Categorical(names, categories=list(song_types)),
            "start_seconds": start,
            "stop_seconds": stop,
        }
    )
    if annotations.channel is not None:
        features["channel"] = annotations.channel[keep]
    kwargs = {
        "name": name or "annotations",
        "ndim": 2,
        "shape_type": shape_type,
        "features": features,
        "edge_color": "name",
        "edge_color_cycle": cycle,
        "face_color": "name",
        "face_color_cycle": [_face_color(c) for c in cycle],
        "edge_width": EDGE_WIDTH_SECONDS,
        "text": {
            "string": "{name}",
            "anchor": "lower_left",
            "size": 9,
            "color": "white",
            "visible": len(names) <= TEXT_LABEL_LIMIT,
        },
        "axis_labels": ("frequency", "time"),
        "units": ("Hz", "s"),
        "metadata": {
            "deepss_kind": LAYER_KIND,
            "song_types": song_types,
            "path": None if path is None else str(path),
            "freq_range": (fmin, fmax),
        },
    }
    return data, kwargs, "shapes"


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
    t_min = np.array([np.min(np.asarray(v)[:, -1]) for v in data], dtype=np.float64)
    t_max = np.array([np.max(np.asarray(v)[:, -1]) for v in data], dtype=np.float64)
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
