"""Layer membership: layers pair up by the recording and the pair they belong to, never by their names."""

from __future__ import annotations

import numpy as np
from napari.layers import Layer

from napari_deepss._napari.annotation_layer import annotations_layers_data
from napari_deepss._napari.recording_layers import (
    PREVIEW_SET,
    annotation_layers_of,
    annotation_pairs_of,
    belonging_to,
    partner_of,
    recording_of,
    spectrogram_of,
    spectrograms,
)
from napari_deepss.annotations import Annotations, annotations_path_for, read_annotations, write_annotations
from napari_deepss.audio import save_wav

PLUGIN = "napari-deepss"


def _recording(folder, stem="rec"):
    wav = folder / f"{stem}.wav"
    save_wav(wav, np.zeros((8000, 1), dtype=np.float32), 8000)
    write_annotations(Annotations(["pulse", "sine"], [0.25, 0.5], [0.25, 0.75]), annotations_path_for(wav))
    return wav


def _pair(recording, annotation_set=PREVIEW_SET):
    table = Annotations(["pulse"], [0.125], [0.125])
    data = annotations_layers_data(table, (0.0, 4000.0), name="anything", annotation_set=annotation_set)
    return [Layer.create(*layer_data) for layer_data in belonging_to(recording, data)]


def test_renamed_layers_still_pair_and_save_with_their_partner(tmp_path, make_napari_viewer):
    viewer = make_napari_viewer()
    image, _, segments, events = viewer.open(_recording(tmp_path), plugin=PLUGIN)
    for layer, name in ((image, "my song"), (segments, "boxes"), (events, "ticks")):
        layer.name = name
    assert [recording_of(layer) for layer in (image, segments, events)] == ["rec"] * 3
    assert spectrograms(viewer.layers) == [image] and spectrogram_of(viewer.layers, "rec") is image
    assert annotation_layers_of(viewer.layers, "rec") == (segments, events)
    assert partner_of(viewer.layers, segments.metadata) is events and partner_of(viewer.layers, events.metadata) is segments

    target = tmp_path / "saved.csv"
    viewer.layers.selection = {events}
    assert viewer.layers.save(str(target), selected=True, plugin=PLUGIN) == [str(target)]
    assert read_annotations(target).names == ["pulse", "sine"]  # the segments came along


def test_a_predicted_pair_is_not_the_recordings_own_but_keeps_its_partner(tmp_path, make_napari_viewer):
    viewer = make_napari_viewer()
    _, _, segments, events = viewer.open(_recording(tmp_path), plugin=PLUGIN)
    predicted = _pair("rec")
    for layer in predicted:
        viewer.add_layer(layer)
    assert annotation_layers_of(viewer.layers, "rec") == (segments, events)
    assert annotation_layers_of(viewer.layers, "rec", PREVIEW_SET) == tuple(predicted)
    assert partner_of(viewer.layers, predicted[0].metadata) is predicted[1]
    assert annotation_layers_of(viewer.layers, "other") is None and spectrogram_of(viewer.layers, "other") is None


def test_each_layer_pairs_with_its_own_partner_when_a_file_is_open_twice(tmp_path, make_napari_viewer):
    viewer = make_napari_viewer()
    csv_path = annotations_path_for(_recording(tmp_path))
    first = viewer.open(csv_path, plugin=PLUGIN)
    again = viewer.open(csv_path, plugin=PLUGIN)
    assert [recording_of(layer) for layer in (*first, *again)] == ["rec"] * 4
    assert partner_of(viewer.layers, again[0].metadata) is again[1]
    assert partner_of(viewer.layers, first[1].metadata) is first[0]
    assert annotation_layers_of(viewer.layers, "rec") == tuple(first)  # the first complete pair


def test_a_layer_whose_partner_was_removed_is_an_incomplete_pair(tmp_path, make_napari_viewer):
    viewer = make_napari_viewer()
    _, _, segments, events = viewer.open(_recording(tmp_path), plugin=PLUGIN)
    viewer.layers.remove(events)
    assert annotation_layers_of(viewer.layers, "rec") is None
    assert annotation_pairs_of(viewer.layers, "rec") == [{"segments": segments}]
    assert partner_of(viewer.layers, segments.metadata) is None
    plain = viewer.add_shapes(name="rec")  # a layer named like the recording is not one of its layers
    assert recording_of(plain) is None and partner_of(viewer.layers, plain.metadata) is None
