"""The npe2 writers: annotation layers -> DeepSS CSV (no viewer needed)."""

from __future__ import annotations

import shutil

import npe2
import numpy as np
import pytest
from napari.layers import Points, Shapes

from napari_deepss._napari._writer import write_annotation_layers, write_annotations
from napari_deepss._napari.annotation_layer import annotations_layers_data
from napari_deepss.annotations import Annotations, annotations_path_for, read_annotations

PLUGIN = "napari-deepss"


@pytest.fixture
def discovered():
    """npe2's plugin manager with the installed plugins found (napari does this at start-up)."""
    npe2.PluginManager.instance().discover()


def _layers_of(csv_path) -> tuple[Shapes, Points]:
    (shapes, shapes_kwargs, _), (points, points_kwargs, _) = annotations_layers_data(
        read_annotations(csv_path), (0.0, 1000.0), name="rec1_annotations", path=csv_path
    )
    return Shapes(shapes, **shapes_kwargs), Points(points, **points_kwargs)


def _assert_same_rows(a: Annotations, b: Annotations):
    assert a.names == b.names
    assert np.array_equal(a.start_seconds, b.start_seconds, equal_nan=True)
    assert np.array_equal(a.stop_seconds, b.stop_seconds, equal_nan=True)


@pytest.mark.parametrize("which", ["bird_wav", "fly_wav"])
def test_saving_unchanged_layers_rewrites_the_file_rows(which, request, tmp_path, discovered):
    original = annotations_path_for(request.getfixturevalue(which))
    layers = _layers_of(original)
    target = tmp_path / "rec1_annotations.csv"
    assert write_annotation_layers(str(target), [layer.as_layer_data_tuple() for layer in layers]) == [str(target)]
    _assert_same_rows(read_annotations(target), read_annotations(original))
    both = tmp_path / "both_annotations.csv"
    assert npe2.write(str(both), list(layers), plugin_name=PLUGIN) == [str(both)]  # the points + shapes writer
    _assert_same_rows(read_annotations(both), read_annotations(original))


def test_the_manifest_writer_saves_an_events_layer_with_placeholders(tmp_path, discovered):
    table = Annotations.from_rows(["pulse"], [1.5], [1.5], song_types={"pulse": "event", "sine": "segment"})
    (_, _, _), (data, kwargs, _) = annotations_layers_data(table, (0.0, 500.0))
    layer = Points(data, **kwargs)
    layer.data = np.zeros((0, 2))  # the user deleted every pulse
    target = tmp_path / "rec1_annotations.csv"
    written = npe2.write(str(target), [layer], plugin_name=PLUGIN)
    assert written == [str(target)]
    assert target.read_text().splitlines() == ["name,start_seconds,stop_seconds", "pulse,nan,nan", "sine,nan,0.0"]


def test_a_plain_csv_name_is_written_exactly_as_asked(tmp_path, bird_wav, discovered):
    layer, _ = _layers_of(annotations_path_for(bird_wav))
    written = npe2.write(str(tmp_path / "rec1.csv"), [layer], plugin_name=PLUGIN)
    assert written == [str(tmp_path / "rec1.csv")]
    # exactly that name, beside it the song type definitions (issue 13 item 5)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["rec1.csv", "rec1_definitions.csv"]
    assert len(read_annotations(tmp_path / "rec1.csv")) == len(layer.data)


def test_a_failed_save_leaves_the_old_file_untouched(tmp_path, fly_wav):
    target = tmp_path / "rec1_annotations.csv"
    shutil.copy(annotations_path_for(fly_wav), target)
    before = target.read_bytes()
    layer, _ = _layers_of(target)
    layer.feature_defaults["name"] = None
    layer.add_lines(np.array([[0.0, 3.0], [1000.0, 3.0]]))
    data, attributes, _ = layer.as_layer_data_tuple()
    with pytest.raises(ValueError, match="no song type name"):
        write_annotations(str(target), data, attributes)
    assert target.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == [target.name]
