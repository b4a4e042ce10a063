"""npe2 reader: recordings become a spectrogram (plus their annotations), DeepSS CSVs annotation layers.

Annotations are two layers (see :mod:`.annotation_layer`): segments as
rectangles in a Shapes layer, events as ticks in a Points layer.

The reader declines (``get_reader`` returns ``None``) for CSV, ``.npz`` and
``.h5`` files that are not DeepSS files, so napari's own readers keep working
for them, and for lists that mix recordings, annotations or other files.

An annotation CSV opened on its own needs a frequency range for its shapes.
In order of preference it takes that of the recording's spectrogram already
open in the viewer, then ``0..samplerate/2`` of the recording beside the CSV,
then that of any open DeepSS spectrogram, and finally
:data:`DEFAULT_FREQ_RANGE`.
"""

from __future__ import annotations

import os
from pathlib import Path

from ..annotations import annotations_path_for, find_audio_for, is_annotations_csv, read_annotations, recording_stem
from ..audio import audio_info, is_recording, load_audio
from .annotation_layer import annotations_layers_data
from .spectrogram_layer import SPECTROGRAM_KIND, install_viewer_hooks, spectrogram_layer_data

# Frequency range (Hz) for annotations with no recording to take it from.
DEFAULT_FREQ_RANGE = (0.0, 1000.0)


def get_reader(path):
    """The reader for ``path`` (one path or a list of paths of one kind), or ``None``."""
    kinds = {_kind(p) for p in _paths(path)}
    if len(kinds) != 1 or None in kinds:
        return None
    return read_deepss


def _paths(path) -> list[Path]:
    return [Path(path)] if isinstance(path, str | os.PathLike) else [Path(p) for p in path]


def _kind(path: Path) -> str | None:
    if is_recording(path):
        return "audio"
    if path.suffix.lower() == ".csv" and is_annotations_csv(path):
        return "annotations"
    return None


def read_deepss(path) -> list[tuple]:
    """Layer-data tuples for one path or a list of paths accepted by :func:`get_reader`."""
    import napari

    viewer = napari.current_viewer()
    layers = []
    for p in _paths(path):
        # get_reader has sniffed every file: only annotation CSVs end in .csv
        if p.suffix.lower() == ".csv":
            layers += _read_annotations(p, _freq_range_for(p, viewer))
        else:
            layers += _read_recording(p)
    if viewer is not None:
        install_viewer_hooks(viewer)
    return layers


def _read_recording(path: Path) -> list[tuple]:
    samples, samplerate = load_audio(path)
    image = spectrogram_layer_data(samples, samplerate, path=path)
    layers = [image]
    csv_path = annotations_path_for(path)
    if csv_path.is_file():
        layers += _read_annotations(csv_path, image[1]["metadata"]["freq_range"])
    return layers


def _read_annotations(path: Path, freq_range) -> list[tuple]:
    return annotations_layers_data(read_annotations(path), freq_range, name=f"{recording_stem(path)}_annotations", path=path)


def _freq_range_for(csv_path: Path, viewer) -> tuple[float, float]:
    spectrograms = [] if viewer is None else [
        layer.metadata for layer in viewer.layers if layer.metadata.get("deepss_kind") == SPECTROGRAM_KIND
    ]
    stem = recording_stem(csv_path)
    for meta in spectrograms:
        if meta.get("path") and recording_stem(meta["path"]) == stem:
            return tuple(meta["freq_range"])
    audio = find_audio_for(csv_path)
    if audio is not None:
        return (0.0, audio_info(audio).samplerate / 2)
    if spectrograms:
        return tuple(spectrograms[0]["freq_range"])
    return DEFAULT_FREQ_RANGE
