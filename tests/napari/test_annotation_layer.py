"""Annotations <-> segments (Shapes) and events (Points) layers, on the real CSVs and through napari's layers (no viewer)."""

from __future__ import annotations

import time

import numpy as np
import pytest
from napari.layers import Points, Shapes
from napari.utils.colormaps.standardize_color import transform_color

from napari_deepss._napari.annotation_layer import (
    PALETTE,
    TEXT_LABEL_LIMIT,
    annotations_layers_data,
    layer_to_annotations,
    layers_to_annotations,
    points_to_annotations,
    song_type_colors,
)
from napari_deepss.annotations import Annotations, annotations_path_for, read_annotations

FREQ_RANGE = (0.0, 1250.0)


def _layers(annotations, freq_range=FREQ_RANGE) -> tuple[Shapes, Points]:
    (shapes, shapes_kwargs, shapes_type), (points, points_kwargs, points_type) = annotations_layers_data(
        annotations, freq_range, name="test", path="rec_annotations.csv"
    )
    assert (shapes_type, points_type) == ("shapes", "points")
    return Shapes(shapes, **shapes_kwargs), Points(points, **points_kwargs)


def _layer(annotations, freq_range=FREQ_RANGE) -> Shapes:
    """The segments layer."""
    return _layers(annotations, freq_range)[0]


def _back(*layers) -> Annotations:
    return layers_to_annotations([layer.as_layer_data_tuple() for layer in layers])


def _rows(table: Annotations):
    return table.names, table.start_seconds, table.stop_seconds


@pytest.fixture
def fly_table(fly_wav):
    return read_annotations(annotations_path_for(fly_wav))


@pytest.fixture
def bird_table(bird_wav):
    return read_annotations(annotations_path_for(bird_wav))


def test_events_become_points_at_the_middle_of_the_frequency_range(fly_table):
    (shapes, _, _), (points, kwargs, _) = annotations_layers_data(fly_table, FREQ_RANGE, name="fly")
    n = int((~fly_table.is_placeholder).sum())
    assert n == len(points) == 374 and len(shapes) == 0
    assert np.array_equal(points[:, 0], np.full(n, np.mean(FREQ_RANGE)))
    assert np.array_equal(points[:, 1], fly_table.start_seconds[~fly_table.is_placeholder])
    assert list(kwargs["features"]["name"]) == ["pulse"] * n
    assert kwargs["symbol"] == "vbar"
    assert kwargs["name"] == "fly events"
    assert kwargs["metadata"]["annotation_part"] == "events"


def test_event_times_stay_float64_in_the_points_layer(fly_table):
    shapes, points = _layers(fly_table)
    assert points.data.dtype == np.float64
    added = 12.345678901234567
    points.add(np.array([[625.0, added]]))
    assert points.data[-1, 1] == added


def test_segments_become_rectangles_from_onset_to_offset(bird_table):
    (data, kwargs, _), (events, events_kwargs, _) = annotations_layers_data(bird_table, (0.0, 16000.0), name="bird", path="x_annotations.csv")
    assert kwargs["shape_type"] == "rectangle" and len(events) == 0
    assert len(data) == len(bird_table)
    for vertices, start, stop in zip(data, bird_table.start_seconds, bird_table.stop_seconds):
        assert (vertices[:, 1].min(), vertices[:, 1].max()) == (start, stop)
        assert (vertices[:, 0].min(), vertices[:, 0].max()) == (0.0, 16000.0)
    assert kwargs["features"]["name"].dtype == "category"
    assert list(kwargs["features"]["name"]) == bird_table.names
    assert kwargs["text"]["string"] == "{name}"
    assert kwargs["metadata"] == {
        "deepss_kind": "annotations",
        "annotation_set": "own",
        "annotation_pair": kwargs["metadata"]["annotation_pair"],  # a number of its own, shared with the events layer
        "song_types": bird_table.song_types,
        "path": "x_annotations.csv",
        "freq_range": (0.0, 16000.0),
        "freq_range_guessed": False,
        "annotation_part": "segments",
    }
    assert events_kwargs["metadata"] == {**kwargs["metadata"], "annotation_part": "events"}
    assert kwargs["name"] == "bird"


@pytest.mark.parametrize("table_name", ["fly_table", "bird_table"])
def test_unchanged_layer_gives_back_the_file_rows_exactly(table_name, request):
    """napari keeps vertices as float32; the float64 times from the file survive the round trip."""
    table = request.getfixturevalue(table_name)
    shapes, points = _layers(table)
    if len(shapes.data):
        assert shapes.data[0].dtype == np.float32  # why the float64 segment times are kept in the features
    back = _back(shapes, points)
    assert back.names == table.names
    assert np.array_equal(back.start_seconds, table.start_seconds)
    assert np.array_equal(back.stop_seconds, table.stop_seconds)


def test_placeholder_types_survive_without_shapes():
    table = Annotations.from_rows(["pulse", "pulse"], [1.0, 2.0], [1.0, 2.0], song_types={"pulse": "event", "sine": "segment", "click": "event"})
    shapes, points = _layers(table)
    assert (len(shapes.data), len(points.data)) == (0, 2)
    assert shapes.metadata["song_types"] == points.metadata["song_types"] == {"pulse": "event", "sine": "segment", "click": "event"}
    back = _back(shapes, points)
    assert back.names == ["pulse", "pulse", "sine", "click"]
    assert np.array_equal(back.start_seconds, [1.0, 2.0, np.nan, np.nan], equal_nan=True)
    assert np.array_equal(back.stop_seconds, [1.0, 2.0, 0.0, np.nan], equal_nan=True)


def test_only_placeholders_give_an_empty_layer_that_keeps_the_types():
    table = Annotations.from_rows([], [], [], song_types={"sine": "segment"})
    layer = _layer(table)
    assert len(layer.data) == 0
    assert list(layer.features["name"].cat.categories) == ["sine"]
    assert _rows(_back(layer))[0] == ["sine"]


def test_moved_shape_takes_its_exact_vertex_time(bird_table):
    layer = _layer(bird_table)
    moved = layer.data
    moved[0] = moved[0] + np.array([0.0, 0.25], dtype=np.float32)
    layer.data = moved
    back = _back(layer)
    vertex_times = layer.data[0][:, 1].astype(np.float64)
    assert vertex_times.min() != bird_table.start_seconds[0]
    assert (vertex_times.min(), vertex_times.max()) in zip(back.start_seconds, back.stop_seconds)
    assert set(back.start_seconds) - {vertex_times.min()} == set(bird_table.start_seconds[1:])


def test_drawn_annotations_take_the_default_name_and_kind_from_geometry(fly_table):
    shapes, points = _layers(fly_table)
    points.add(np.array([[625.0, 30.123]]))  # feature default: the last row's name
    shapes.feature_defaults["name"] = "song"
    shapes.add_rectangles(np.array([[0.0, 10.5], [1250.0, 11.25]]))
    shapes.feature_defaults["name"] = "pulse"
    shapes.add_lines(np.array([[0.0, 40.0], [1250.0, 40.5]]))  # a hand-drawn, slanted line: an event at its middle
    back = _back(shapes, points)
    rows = dict(zip(back.start_seconds, zip(back.names, back.stop_seconds)))
    assert rows[30.123] == ("pulse", 30.123)
    assert rows[10.5] == ("song", 11.25)
    assert rows[40.25] == ("pulse", 40.25)
    assert np.all(np.diff(back.start_seconds) >= 0)  # rows in time order
    assert back.song_types == {"pulse": "event", "song": "segment"}


def test_points_of_a_segment_type_are_a_clear_error():
    with pytest.raises(ValueError, match="'sine', which is a segment type"):
        points_to_annotations(np.array([[0.0, 1.0]]), {"name": ["sine"]}, {"sine": "segment"})


def test_zero_width_shape_of_a_new_type_is_an_event():
    zero_width = np.array([[[0.0, 3.0], [100.0, 3.0], [100.0, 3.0], [0.0, 3.0]]])
    back = layer_to_annotations(zero_width, ["rectangle"], {"name": ["click"]}, {})
    assert _rows(back) == (["click"], [3.0], [3.0])
    assert back.song_types == {"click": "event"}


def test_unnamed_shapes_are_a_clear_error():
    layer = Shapes([np.array([[0.0, 1.0], [10.0, 1.0]])], shape_type="line")  # a plain layer: no 'name' feature
    with pytest.raises(ValueError, match=r"1 shape\(s\) have no song type name .* shape 0 at 1.0000 s"):
        _back(layer)
    nan_name = {"name": [np.nan]}
    with pytest.raises(ValueError, match="no song type name"):
        layer_to_annotations(layer.data, ["line"], nan_name, {})


def test_shapes_that_contradict_their_song_type_are_a_clear_error():
    rectangle = np.array([[[0.0, 1.0], [10.0, 1.0], [10.0, 2.0], [0.0, 2.0]]])
    line = np.array([[[0.0, 1.0], [10.0, 1.0]]])
    with pytest.raises(ValueError, match="song type 'pulse' is an event"):
        layer_to_annotations(rectangle, ["rectangle"], {"name": ["pulse"]}, {"pulse": "event"})
    with pytest.raises(ValueError, match="song type 'sine' is a segment"):
        layer_to_annotations(line, ["line"], {"name": ["sine"]}, {"sine": "segment"})


def test_each_song_type_has_its_own_stable_colour(bird_dir):
    tables = [read_annotations(bird_dir / f"bird0_00{i}_annotations.csv") for i in range(3)]
    colors = song_type_colors([f"syll_{i}" for i in range(10, -1, -1)])
    assert list(colors)[:3] == ["syll_0", "syll_1", "syll_2"]  # natural order, not syll_10 before syll_2
    assert len(set(colors.values())) == len(PALETTE)
    for table in tables:
        layer = _layer(table)
        expected_edge = transform_color([colors[n] for n in layer.features["name"]])
        assert np.allclose(layer.edge_color, expected_edge)
        assert np.allclose(layer.face_color[:, :3], expected_edge[:, :3])
        assert np.all(layer.face_color[:, 3] < 1)  # the spectrogram shows through boxes
        assert list(layer.text.values) == list(layer.features["name"])


def test_channel_column_is_carried_through_the_layer():
    table = Annotations.from_rows(["a", "b"], [1.0, 2.0], [1.5, 2.0], channel=["0", "1"])
    back = _back(*_layers(table))
    assert list(back.channel) == ["0", "1"]


@pytest.mark.parametrize(("n", "visible"), [(TEXT_LABEL_LIMIT, True), (TEXT_LABEL_LIMIT + 1, False)])
def test_labels_of_large_layers_start_hidden(n, visible):
    """napari lays labels out in quadratic time: 10,000 labelled lines take minutes to add."""
    times = np.arange(n) * 0.01
    _, (_, kwargs, _) = annotations_layers_data(Annotations(["pulse"] * n, times, times), FREQ_RANGE)
    assert kwargs["text"]["visible"] is visible
    assert kwargs["text"]["string"] == "{name}"


def test_layer_data_for_10000_events_is_built_vectorised():
    n = 10_000
    times = np.arange(n) * 0.01
    table = Annotations(["pulse"] * n, times, times)
    start = time.perf_counter()
    _, (data, kwargs, _) = annotations_layers_data(table, FREQ_RANGE)
    elapsed = time.perf_counter() - start
    assert len(data) == len(kwargs["features"]) == n
    assert elapsed < 0.5, f"building the layer data of {n} events took {elapsed:.2f} s"
