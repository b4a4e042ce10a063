"""npe2 reader: recordings become a spectrogram and a waveform (plus their annotations), DeepSS CSVs annotation layers.

Annotations are two layers (see :mod:`.annotation_layer`): segments as
rectangles in a Shapes layer, events as ticks in a Points layer.

The reader declines (``get_reader`` returns ``None``) for CSV, ``.npz`` and
``.h5`` files that are not DeepSS files, so napari's own readers keep working
for them, and for lists that mix recordings, annotations or other files.

An annotation CSV opened on its own needs a frequency range for its shapes:
``0..samplerate/2`` of the recording beside the CSV, else a guess
(:data:`.annotation_layer.DEFAULT_FREQ_RANGE`). Inserted into a viewer that
shows its recording's spectrogram (or, for a guess, any), the viewer hooks
give the layers that spectrogram's range (:mod:`.viewer_hooks`).

Every layer belongs to its recording (:mod:`.recording_layers`), named by the
stem that pairs ``rec1.wav`` and ``rec1_annotations.csv``.
"""

from __future__ import annotations

import os
from pathlib import Path

from ..annotations import annotations_path_for, find_audio_for, is_annotations_csv, read_annotations, recording_stem
from ..audio import audio_info, is_recording, load_audio
from .annotation_layer import annotations_layers_data
from .recording_layers import belonging_to
from .spectrogram_layer import spectrogram_layer_data
from .viewer_hooks import hook_current_viewer
from .waveform_layer import with_waveform


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
    layers = []
    for p in _paths(path):
        # get_reader has sniffed every file: only annotation CSVs end in .csv
        read = _read_annotations(p, _freq_range_for(p)) if p.suffix.lower() == ".csv" else _read_recording(p)
        layers += belonging_to(recording_stem(p), read)
    hook_current_viewer()
    return layers


def _read_recording(path: Path) -> list[tuple]:
    samples, samplerate = load_audio(path)
    image = spectrogram_layer_data(samples, samplerate, path=path)
    csv_path = annotations_path_for(path)
    return [*with_waveform(image), *(_read_annotations(csv_path, image[1]["metadata"]["freq_range"]) if csv_path.is_file() else [])]


def _read_annotations(path: Path, freq_range) -> list[tuple]:
    return annotations_layers_data(read_annotations(path), freq_range, name=f"{recording_stem(path)}_annotations", path=path)


def _freq_range_for(csv_path: Path) -> tuple[float, float] | None:
    """Half the sampling rate of the recording beside ``csv_path``; ``None`` (a guess) without one."""
    audio = find_audio_for(csv_path)
    return None if audio is None else (0.0, audio_info(audio).samplerate / 2)
