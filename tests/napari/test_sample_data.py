"""The napari sample: one click opens the synthetic song's spectrogram and its annotations, lined up."""

from __future__ import annotations

import numpy as np
import pytest
from napari.layers import Image, Points, Shapes

from napari_deepss.synthetic import synthetic_song


def test_open_sample_adds_the_spectrogram_and_one_mark_per_annotation(make_napari_viewer):
    viewer = make_napari_viewer()
    viewer.open_sample("napari-deepss", "synthetic_song")
    images = [layer for layer in viewer.layers if isinstance(layer, Image)]
    shapes = [layer for layer in viewer.layers if isinstance(layer, Shapes)]
    points = [layer for layer in viewer.layers if isinstance(layer, Points)]
    assert len(images) == 2 and len(shapes) == len(points) == 1
    assert [layer.metadata["deepss_kind"] for layer in images] == ["spectrogram", "waveform"]
    image, waveform, shapes, points = images[0], images[1], shapes[0], points[0]

    samples, rate, annotations = synthetic_song()
    keep = ~annotations.is_placeholder
    names = np.asarray(annotations.names)[keep]
    is_sine = names == "sine"
    assert len(shapes.data) == is_sine.sum() and len(points.data) == (~is_sine).sum()
    assert list(shapes.features["name"]) == ["sine"] * is_sine.sum()
    assert set(shapes.shape_type) == {"rectangle"}

    # time (last axis) in seconds: each mark sits at its annotated time, the image spans the song
    starts = [vertices[:, -1].min() for vertices in shapes.data]
    stops = [vertices[:, -1].max() for vertices in shapes.data]
    np.testing.assert_allclose(starts, annotations.start_seconds[keep][is_sine], atol=1e-5)
    np.testing.assert_allclose(stops, annotations.stop_seconds[keep][is_sine], atol=1e-5)
    np.testing.assert_array_equal(points.data[:, 1], annotations.start_seconds[keep][~is_sine])
    (f_low, t_start), (f_high, t_end) = image.extent.data * image.scale + image.translate  # Hz and s
    assert abs(t_start) < 0.05 and abs(t_end - len(samples) / rate) < 0.05
    # frequency (first axis) in Hz: the shapes span the image's frequency range, pulses (250-400 Hz) in view
    fmin, fmax = image.metadata["freq_range"]
    assert abs(f_low - fmin) < 100 and abs(f_high - fmax) < 100 and fmax > 400
    np.testing.assert_allclose([v[:, 0].min() for v in shapes.data], fmin)
    np.testing.assert_allclose([v[:, 0].max() for v in shapes.data], fmax)
    # both are displayed through the same transform, so the shapes lie over the image
    np.testing.assert_allclose(shapes.affine.affine_matrix, image.affine.affine_matrix)
    np.testing.assert_allclose(waveform.affine.affine_matrix, image.affine.affine_matrix)
    # sample i (columns 4i..4i+3 of level 0) is centred at i / rate seconds, as the spectrogram's frames are
    assert waveform.data_to_world((0, 4 * 1000 + 1.5))[1] == pytest.approx(1000 / rate)
    assert image.affine.affine_matrix[0, 0] != 1  # the hooks compressed the Hz axis for display
