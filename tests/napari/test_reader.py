"""The npe2 reader, on the real recordings, in a napari viewer (run under Xvfb)."""

from __future__ import annotations

import shutil

import h5py
import numpy as np
import pytest
from napari.layers import Image, Points, Shapes

from napari_deepss._napari import viewer_hooks
from napari_deepss._napari._reader import get_reader
from napari_deepss._napari.annotation_layer import DEFAULT_FREQ_RANGE
from napari_deepss.annotations import Annotations, annotations_path_for, read_annotations, write_annotations
from napari_deepss.audio import audio_info, save_wav
from napari_deepss.errors import FileFormatError

PLUGIN = "napari-deepss"


def _n_rows(csv_path) -> int:
    return int((~read_annotations(csv_path).is_placeholder).sum())


def _copy_recording(wav, folder, with_annotations=True):
    folder.mkdir(exist_ok=True)
    shutil.copy(wav, folder)
    if with_annotations:
        shutil.copy(annotations_path_for(wav), folder)
    return folder / wav.name


@pytest.mark.parametrize("which", ["bird_wav", "fly_wav"])
def test_recording_opens_as_spectrogram_with_its_annotations(which, request, make_napari_viewer):
    wav = request.getfixturevalue(which)
    viewer = make_napari_viewer()
    image, waveform, shapes, points = viewer.open(wav, plugin=PLUGIN)
    info = audio_info(wav)

    assert isinstance(image, Image)
    assert image.metadata["deepss_kind"] == "spectrogram"
    assert str(image.metadata["path"]) == str(wav)
    assert image.metadata["samplerate"] == info.samplerate
    assert image.metadata["n_channels"] == 1
    (f0, t0), (f1, t1) = image.extent.data * image.scale + image.translate  # Hz and seconds
    assert abs(t0) < 0.01 and abs(t1 - info.duration_seconds) < 0.01
    fmin, fmax = image.metadata["freq_range"]
    assert (fmin, fmax) == (0.0, info.samplerate / 2)
    assert f0 <= fmin and f1 >= fmax - image.scale[0]

    assert isinstance(shapes, Shapes) and isinstance(points, Points)
    csv_path = annotations_path_for(wav)
    table = read_annotations(csv_path)
    assert len(shapes.data) + len(points.data) == _n_rows(csv_path)
    assert set(shapes.shape_type) <= {"rectangle"}
    assert np.array_equal(shapes.scale, [1, 1]) and np.array_equal(shapes.translate, [0, 0])
    assert np.array_equal(shapes.affine.affine_matrix, image.affine.affine_matrix)  # one display transform
    if len(shapes.data):
        vertices = np.concatenate(shapes.data)
        assert (vertices[:, 0].min(), vertices[:, 0].max()) == (fmin, fmax)
    if len(points.data):
        assert np.all(points.data[:, 0] == (fmin + fmax) / 2)
        # events are only moved onto the compressed display (markers stay upright): same world position
        world_centre = image.data_to_world(((fmin + fmax) / 2 / image.scale[0], 0))[0]
        assert points.data_to_world((points.data[0, 0], 0))[0] == pytest.approx(world_centre, rel=1e-6)
    rows = [n for n, p in zip(table.names, table.is_placeholder) if not p]
    assert sorted(list(shapes.features["name"]) + list(points.features["name"])) == sorted(rows)
    assert shapes.metadata["path"] == points.metadata["path"] == str(csv_path)
    assert (shapes.name, points.name) == (f"{wav.stem}_annotations", f"{wav.stem}_annotations events")


def test_recording_without_annotations_opens_alone(tmp_path, fly_wav, make_napari_viewer):
    wav = _copy_recording(fly_wav, tmp_path / "rec", with_annotations=False)
    layers = make_napari_viewer().open(wav, plugin=PLUGIN)
    assert [type(layer) for layer in layers] == [Image, Image]
    assert [layer.metadata["deepss_kind"] for layer in layers] == ["spectrogram", "waveform"]


def test_reader_installs_the_viewer_hooks(monkeypatch, fly_wav, make_napari_viewer):
    calls = []
    monkeypatch.setattr(viewer_hooks, "install_viewer_hooks", calls.append)
    viewer = make_napari_viewer()
    viewer.open(annotations_path_for(fly_wav), plugin=PLUGIN)
    assert calls == [viewer]


def test_annotations_csv_takes_the_frequency_range_of_its_recording(tmp_path, bird_wav, make_napari_viewer):
    viewer = make_napari_viewer()
    alone = tmp_path / "alone"
    alone.mkdir()
    shutil.copy(annotations_path_for(bird_wav), alone)
    shapes, _ = viewer.open(alone / annotations_path_for(bird_wav).name, plugin=PLUGIN)
    assert shapes.metadata["freq_range"] == DEFAULT_FREQ_RANGE
    assert len(shapes.data) == _n_rows(annotations_path_for(bird_wav))

    beside = _copy_recording(bird_wav, tmp_path / "beside")
    shapes, _ = viewer.open(annotations_path_for(beside), plugin=PLUGIN)
    assert shapes.metadata["freq_range"] == (0.0, audio_info(bird_wav).samplerate / 2)


def test_annotations_csv_follows_the_open_spectrogram_of_its_recording(tmp_path, bird_wav, make_napari_viewer, monkeypatch):
    viewer = make_napari_viewer()
    wav = _copy_recording(bird_wav, tmp_path / "audio", with_annotations=False)
    image, _ = viewer.open(wav, plugin=PLUGIN)
    image.metadata["freq_range"] = (500.0, 8000.0)  # as if the user had cropped the spectrogram
    (tmp_path / "notes").mkdir()
    csv_path = shutil.copy(annotations_path_for(bird_wav), tmp_path / "notes")
    shapes, _ = viewer.open(csv_path, plugin=PLUGIN)
    assert shapes.metadata["freq_range"] == (500.0, 8000.0)


def test_edit_and_save_round_trip(tmp_path, bird_wav, make_napari_viewer):
    wav = _copy_recording(bird_wav, tmp_path / "rec")
    csv_path = annotations_path_for(wav)
    original = read_annotations(csv_path)
    viewer = make_napari_viewer()
    _, _, shapes, _ = viewer.open(wav, plugin=PLUGIN)

    moved = shapes.data
    moved[1] = moved[1] + np.array([0.0, 0.5], dtype=np.float32)  # move the second syllable by 0.5 s
    shapes.data = moved
    shapes.feature_defaults["name"] = "syll_8"
    shapes.add_rectangles(np.array([[0.0, 0.125], [16000.0, 0.25]]))
    viewer.layers.selection = {shapes}
    saved = viewer.layers.save(str(csv_path), selected=True, plugin=PLUGIN)
    assert saved == [str(csv_path)]

    back = read_annotations(csv_path)
    n = len(original)
    expected = {(name, t0, t1) for name, t0, t1 in zip(original.names, original.start_seconds, original.stop_seconds)}
    expected.remove((original.names[1], original.start_seconds[1], original.stop_seconds[1]))
    moved_start, moved_stop = (float(f(shapes.data[1][:, 1])) for f in (np.min, np.max))
    expected |= {(original.names[1], moved_start, moved_stop), ("syll_8", 0.125, 0.25)}
    assert len(back) == n + 1
    assert set(zip(back.names, back.start_seconds, back.stop_seconds)) == expected  # rows come in time order
    assert moved_start == pytest.approx(original.start_seconds[1] + 0.5, abs=1e-5)


def test_saving_one_annotation_layer_keeps_the_other_kind(tmp_path, make_napari_viewer):
    """Segments and events are two layers of one file: napari's Save of either writes both."""
    wav = tmp_path / "rec.wav"
    save_wav(wav, np.zeros((8000, 1), dtype=np.float32), 8000)
    write_annotations(Annotations(["pulse", "sine"], [0.25, 0.5], [0.25, 0.75]), annotations_path_for(wav))
    viewer = make_napari_viewer()
    _, _, segments, events = viewer.open(wav, plugin=PLUGIN)
    for layer in (segments, events):
        target = tmp_path / f"{layer.name}.csv"
        viewer.layers.selection = {layer}
        assert viewer.layers.save(str(target), selected=True, plugin=PLUGIN) == [str(target)]
        assert read_annotations(target).names == ["pulse", "sine"]


def test_non_deepss_csv_and_npz_open_with_napari_own_reader(tmp_path, make_napari_viewer):
    viewer = make_napari_viewer()
    points_csv = tmp_path / "points.csv"
    viewer.add_points(np.array([[1.0, 2.0], [3.0, 4.0]]))
    viewer.layers.save(str(points_csv), plugin="napari")
    image_npz = tmp_path / "image.npz"
    np.savez(image_npz, image=np.arange(12.0).reshape(3, 4))
    assert get_reader(str(points_csv)) is None
    assert get_reader(str(image_npz)) is None

    viewer.layers.clear()
    (points,) = viewer.open(points_csv)
    assert isinstance(points, Points) and len(points.data) == 2
    (image,) = viewer.open(image_npz)
    assert isinstance(image, Image) and image.data.shape == (3, 4)


def test_reader_declines_what_is_not_deepss(tmp_path, bird_wav, fly_wav):
    not_deepss_h5 = tmp_path / "volume.h5"
    with h5py.File(not_deepss_h5, "w") as f:
        f["volume"] = np.zeros((2, 2, 2))
    deepss_npz = tmp_path / "rec.npz"
    np.savez(deepss_npz, data=np.zeros((100, 1)), samplerate=1000.0)
    plain_text = tmp_path / "table.csv"
    plain_text.write_text("a,b\n1,2\n")

    assert get_reader(str(not_deepss_h5)) is None
    assert get_reader(str(plain_text)) is None
    assert get_reader(str(tmp_path / "photo.png")) is None
    assert get_reader(str(deepss_npz)) is not None
    assert get_reader([str(bird_wav), str(fly_wav)]) is not None
    assert get_reader([str(bird_wav), str(annotations_path_for(bird_wav))]) is None
    assert get_reader([str(bird_wav), str(plain_text)]) is None


def test_two_recordings_open_together(bird_dir):
    wavs = [str(bird_dir / "bird0_001.wav"), str(bird_dir / "bird0_002.wav")]
    layers = get_reader(wavs)(wavs)
    assert [layer_type for _, _, layer_type in layers] == ["image", "image", "shapes", "points"] * 2


def test_errors_in_deepss_files_name_the_file(tmp_path):
    broken_wav = tmp_path / "broken.wav"
    broken_wav.write_bytes(b"RIFF\x00\x00\x00\x00WAVEfmt " + b"\x00" * 7)
    bad_csv = tmp_path / "rec_annotations.csv"
    bad_csv.write_text("name,start_seconds,stop_seconds\nsyll_0,2.0,1.0\n")
    for path, problem in [(broken_wav, "cannot read audio"), (bad_csv, "before start_seconds")]:
        reader = get_reader(str(path))
        with pytest.raises(FileFormatError, match=problem) as err:
            reader(str(path))
        assert err.value.path == str(path)


def test_reading_without_a_viewer_installs_no_hooks(fly_wav, monkeypatch):
    import napari

    calls = []
    monkeypatch.setattr(napari, "current_viewer", lambda: None)
    monkeypatch.setattr(viewer_hooks, "install_viewer_hooks", calls.append)
    csv_path = str(annotations_path_for(fly_wav))
    layers = get_reader(csv_path)(csv_path)
    assert [layer_type for _, _, layer_type in layers] == ["shapes", "points"]
    assert calls == []


def test_annotations_with_a_guessed_frequency_range_take_that_of_the_open_spectrogram(tmp_path, bird_wav, make_napari_viewer):
    viewer = make_napari_viewer()
    image, _ = viewer.open(_copy_recording(bird_wav, tmp_path / "audio", with_annotations=False), plugin=PLUGIN)
    (tmp_path / "notes").mkdir()
    other = tmp_path / "notes" / "other_annotations.csv"  # another recording's, with no audio beside it
    write_annotations(Annotations(["pulse", "sine"], [0.25, 0.5], [0.25, 0.75]), other)
    shapes, points = viewer.open(other, plugin=PLUGIN)
    fmin, fmax = image.metadata["freq_range"]
    assert shapes.metadata["freq_range"] == points.metadata["freq_range"] == (fmin, fmax) != DEFAULT_FREQ_RANGE
    assert (shapes.data[0][:, 0].min(), shapes.data[0][:, 0].max()) == (fmin, fmax)
    assert points.data[0, 0] == (fmin + fmax) / 2
