"""npe2 reader: recordings become a spectrogram and a waveform (plus their annotations), annotation files annotation layers.

Annotations are two layers (see :mod:`.annotation_layer`): segments as
rectangles in a Shapes layer, events as ticks in a Points layer. Annotation
files are DeepSS CSVs or the files of other tools that
:mod:`napari_deepss.annotation_formats` reads (Raven, Audacity, Praat
TextGrid, evsonganaly ``.not.mat``, generic-seq CSV); a recording shows the
annotation file beside it (``rec1_annotations.csv`` first,
:func:`~napari_deepss.annotation_formats.annotation_file_for`). Annotations
read from another tool's file are saved by Annotate to the DeepSS CSV beside
the recording (``rec1_annotations.csv``): the original file is never
overwritten with what the DeepSS table cannot hold (e.g. Raven's frequency
bounds); *File > Save Selected Layers* writes any of the formats.

The reader declines (``get_reader`` returns ``None``) for CSV, ``.txt``,
``.mat``, ``.npz`` and ``.h5`` files that are not of these kinds, so napari's
own readers keep working for them, and for lists that mix recordings,
annotations or other files.

An annotation file opened on its own needs a frequency range for its shapes:
``0..samplerate/2`` of the recording beside it, else a guess
(:data:`.annotation_layer.DEFAULT_FREQ_RANGE`). Inserted into a viewer that
shows its recording's spectrogram (or, for a guess, any), the viewer hooks
give the layers that spectrogram's range (:mod:`.viewer_hooks`).

Every layer belongs to its recording (:mod:`.recording_layers`), named by the
stem that pairs ``rec1.wav`` and ``rec1_annotations.csv`` (a generic-seq file
may hold several recordings: each gets its layers).
"""

from __future__ import annotations

import os
from pathlib import Path

from ..annotation_formats import RecordingAnnotations, annotations_beside, detect_format, read_annotation_file
from ..annotations import ANNOTATIONS_SUFFIX, find_recording
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
    if detect_format(path) is not None:
        return "annotations"
    return None


def read_deepss(path) -> list[tuple]:
    """Layer-data tuples for one path or a list of paths accepted by :func:`get_reader`."""
    layers = []
    for p in _paths(path):
        if is_recording(p):
            layers += belonging_to(p.stem, _read_recording(p))
        else:
            for record in read_annotation_file(p):
                layers += belonging_to(record.recording, _read_annotations(p, record, _freq_range_for(p, record.recording)))
    hook_current_viewer()
    return layers


def _read_recording(path: Path) -> list[tuple]:
    samples, samplerate = load_audio(path)
    image = spectrogram_layer_data(samples, samplerate, path=path)
    beside = annotations_beside(path)
    if beside is None:
        return with_waveform(image)
    file, annotations = beside
    record = RecordingAnnotations(path.stem, annotations)
    return [*with_waveform(image), *_read_annotations(file, record, image[1]["metadata"]["freq_range"])]


def _read_annotations(path: Path, record: RecordingAnnotations, freq_range) -> list[tuple]:
    """The layers of one recording's annotations, saved by Annotate to ``path`` if that is a DeepSS CSV, else beside it."""
    is_deepss = detect_format(path).name == "deepss"
    saved_to = path if is_deepss else path.with_name(record.recording + ANNOTATIONS_SUFFIX)
    return annotations_layers_data(record.annotations, freq_range, name=f"{record.recording}_annotations", path=saved_to)


def _freq_range_for(path: Path, recording: str) -> tuple[float, float] | None:
    """Half the sampling rate of the recording beside ``path``; ``None`` (a guess) without one."""
    audio = find_recording(path.parent, recording)
    return None if audio is None else (0.0, audio_info(audio).samplerate / 2)
