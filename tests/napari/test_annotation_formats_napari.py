"""Other tools' annotation files in napari: opened beside a recording or alone, saved through the writers."""

from __future__ import annotations

import shutil

import npe2
import numpy as np
import pytest
import scipy.io
from napari.layers import Image, Points, Shapes

from napari_deepss._napari._reader import get_reader
from napari_deepss._napari._writer import write_annotation_layers
from napari_deepss.annotation_formats import (
    RecordingAnnotations,
    read_recording_annotations,
    write_annotation_file,
    write_recording_annotations,
)
from napari_deepss.annotation_saving import save_annotations
from napari_deepss.annotations import Annotations, annotations_path_for, read_annotations
from napari_deepss.audio import audio_info
from napari_deepss.errors import FileFormatError

PLUGIN = "napari-deepss"


@pytest.fixture
def discovered():
    npe2.PluginManager.instance().discover()


@pytest.fixture
def bird_textgrid(tmp_path, bird_wav):
    """A copy of a bird recording with its syllables as a Praat TextGrid only."""
    shutil.copy(bird_wav, tmp_path / "rec.wav")
    write_recording_annotations(read_annotations(annotations_path_for(bird_wav)), tmp_path / "rec.TextGrid")
    (tmp_path / "rec_definitions.csv").unlink()
    return tmp_path / "rec.TextGrid"


def _rows(shapes, points) -> list[str]:
    return sorted(list(shapes.features["name"]) + list(points.features["name"]))


def test_a_recording_shows_the_textgrid_beside_it(bird_textgrid, bird_wav, make_napari_viewer):
    viewer = make_napari_viewer()
    image, waveform, shapes, points = viewer.open(bird_textgrid.with_name("rec.wav"), plugin=PLUGIN)
    assert isinstance(image, Image) and isinstance(waveform, Image)
    assert isinstance(shapes, Shapes) and isinstance(points, Points)
    table = read_annotations(annotations_path_for(bird_wav))
    assert _rows(shapes, points) == sorted(table.names)
    assert np.allclose(sorted(s[:, 1].min() for s in shapes.data), sorted(table.start_seconds), atol=1e-5)
    # Annotate saves to the DeepSS CSV beside the recording; the TextGrid is never overwritten
    assert shapes.metadata["path"] == str(bird_textgrid.with_name("rec_annotations.csv"))


def test_a_textgrid_opened_alone_takes_its_recordings_frequency_range(bird_textgrid, make_napari_viewer):
    shapes, points = make_napari_viewer().open(bird_textgrid, plugin=PLUGIN)
    assert shapes.metadata["freq_range"] == (0.0, audio_info(bird_textgrid.with_name("rec.wav")).samplerate / 2)
    assert shapes.metadata["recording"] == "rec" and shapes.name == "rec_annotations"


def test_a_generic_seq_file_opens_one_pair_of_layers_per_recording(tmp_path, bird_dir, make_napari_viewer):
    records = []
    for stem in ("bird0_003", "bird0_005"):
        records.append(RecordingAnnotations(stem, read_annotations(bird_dir / f"{stem}_annotations.csv")))
    write_annotation_file(records, tmp_path / "all.csv", format="generic-seq")
    layers = make_napari_viewer().open(tmp_path / "all.csv", plugin=PLUGIN)
    assert [layer.metadata["recording"] for layer in layers] == ["bird0_003"] * 2 + ["bird0_005"] * 2
    assert len(layers[2].data) == len(read_annotations(bird_dir / "bird0_005_annotations.csv"))


def test_the_reader_declines_files_that_are_not_annotations(tmp_path):
    notes = tmp_path / "notes.txt"
    notes.write_text("recorded on a sunny day\n")
    matrix = tmp_path / "weights.mat"
    scipy.io.savemat(matrix, {"w": np.ones(3)})
    table = tmp_path / "measurements.csv"
    table.write_text("animal,weight\nfly1,0.8\n")
    assert get_reader(str(notes)) is None and get_reader(str(matrix)) is None and get_reader(str(table)) is None


def _layer_data(viewer, recording):
    return [layer.as_layer_data_tuple() for layer in viewer.layers
            if layer.metadata.get("recording") == recording and layer.metadata.get("deepss_kind") == "annotations"]


def test_layers_save_as_a_notmat_with_the_rate_of_the_recording_in_the_viewer(tmp_path, bird_dir, make_napari_viewer,
                                                                                discovered):
    for suffix in (".wav", "_annotations.csv"):
        shutil.copy(bird_dir / f"bird0_003{suffix}", tmp_path / f"bird0_003{suffix}")
    table = read_annotations(tmp_path / "bird0_003_annotations.csv")
    save_annotations(Annotations([n[-1] for n in table.names], table.start_seconds, table.stop_seconds),
                     tmp_path / "bird0_003_annotations.csv")
    viewer = make_napari_viewer()
    _, _, shapes, _ = viewer.open(tmp_path / "bird0_003.wav", plugin=PLUGIN)  # spectrogram, waveform, annotations
    out = tmp_path / "out"
    out.mkdir()  # no recording beside the target: the rate comes from the spectrogram in the viewer
    target = out / "bird0_003.wav.not.mat"
    assert npe2.write(str(target), [shapes], plugin_name=PLUGIN) == [str(target)]
    stored = scipy.io.loadmat(target, squeeze_me=True)
    assert stored["Fs"] == 32000 and stored["labels"] == "".join(n[-1] for n in table.names)
    assert np.abs(read_recording_annotations(target).start_seconds - table.start_seconds).max() < 1e-5


def test_the_writers_refuse_what_a_format_cannot_hold(tmp_path, fly_wav, make_napari_viewer):
    viewer = make_napari_viewer()
    viewer.open(fly_wav, plugin=PLUGIN)
    layers = _layer_data(viewer, fly_wav.stem)
    with pytest.raises(FileFormatError, match="holds only segments"):
        write_annotation_layers(str(tmp_path / "fly.csv"), layers, format="generic-seq")
    assert list(tmp_path.iterdir()) == []
    written = write_annotation_layers(str(tmp_path / "fly.TextGrid"), layers, format="textgrid")
    back = read_recording_annotations(written[0])
    assert back.song_types == {"pulse": "event"} and len(back) == 374
