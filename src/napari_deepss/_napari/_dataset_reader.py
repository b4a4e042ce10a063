"""npe2 reader for DeepSS dataset folders: check a dataset by eye.

Opening ``<name>.npy`` shows its train split; ``<name>.npy/val`` or
``<name>.npy/test`` shows that split, as these layers:

- the split's audio ``x`` as a spectrogram and a waveform (memory-mapped and computed
  lazily, so a split of several GB is not read until napari draws it);
- its targets ``y`` turned back into annotations, drawn like annotation
  layers (segments as boxes, events as ticks, coloured per song type). They
  come from the same post-processing as predictions (thresholds 0.5, peaks
  of events), read block by block from the memory map: this is what a network
  that learnt the targets perfectly would annotate, so cut gaps, merged
  syllables or shifted events show up where the biologist knows the song;
- a line at the start of every recording piece, labelled with the recording
  and the time in it, because a split joins pieces of several recordings.

Per-class probability images were not chosen: a strip per class over hours
of samples would have to be read whole, and boxes compare directly with the
annotations the user drew.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from ..dataset import dataset_splits, is_dataset_folder, open_split, read_attrs, split_pieces
from ..dataset.splits import SPLIT_NAMES
from ..target_annotations import targets_as_annotations
from .annotation_layer import annotations_layers_data
from .recording_layers import DATASET_PIECES, KIND, TARGETS_SET, belonging_to
from .spectrogram_layer import spectrogram_layer_data
from .viewer_hooks import hook_current_viewer
from .waveform_layer import with_waveform

def get_dataset_reader(path):
    """:func:`read_dataset` for a dataset folder or one of its split folders, else ``None``."""
    if not isinstance(path, str | os.PathLike):
        return None
    return read_dataset if _dataset_and_split(Path(path)) is not None else None


def read_dataset(path) -> list[tuple]:
    """Layer-data tuples of one split: spectrogram, waveform, targets as annotations (segments, events), recording pieces.

    They belong to the recording ``<dataset> <split>`` (the split is one long recording); the targets are an
    annotation pair of their own set, which Annotate does not take for the split's annotations.
    """
    store, split = _dataset_and_split(Path(path))
    attrs = read_attrs(store)
    arrays = open_split(store, split)
    samplerate = float(attrs["samplerate_x_Hz"])
    name = f"{store.stem} {split}"
    image = spectrogram_layer_data(arrays["x"], samplerate, path=store, name=name)
    image[1]["metadata"].update(dataset=str(store), split=split)
    freq_range = image[1]["metadata"]["freq_range"]
    targets = targets_as_annotations(arrays["y"], attrs["class_names"], attrs["class_types"], float(attrs["samplerate_y_Hz"]))
    layers = [
        *with_waveform(image),
        *annotations_layers_data(targets, freq_range, name=f"{name} targets", annotation_set=TARGETS_SET),
        pieces_layer_data(_pieces(attrs, split, len(arrays["x"])), samplerate, freq_range, name=f"{name} recordings"),
    ]
    hook_current_viewer()
    return belonging_to(name, layers)


def _pieces(attrs: dict, split: str, n: int) -> list[tuple[str, int, int]]:
    """The split's recording pieces, or one piece for the whole split when the dataset does not list them."""
    pieces = [(Path(name).name, start, stop) for name, start, stop in split_pieces(attrs, split)]
    if sum(stop - start for _, start, stop in pieces) != n:  # e.g. DeepSS's datasets of several recordings
        return [(f"{split} split (its recordings are not listed in the dataset)", 0, n)]
    return pieces


def pieces_layer_data(pieces, samplerate: float, freq_range, *, name: str) -> tuple:
    """Vertical lines where each recording piece starts in the split, labelled ``recording @ time``."""
    lengths = np.array([stop - start for _, start, stop in pieces], dtype=np.float64)
    onsets = np.concatenate([[0.0], np.cumsum(lengths)[:-1]]) / samplerate
    fmin, fmax = freq_range
    lines = [np.array([[fmin, t], [fmax, t]]) for t in onsets]
    features = {
        "recording": [recording for recording, _, _ in pieces],
        "start_seconds": [start / samplerate for _, start, _ in pieces],
    }
    kwargs = {
        "name": name,
        "ndim": 2,
        "shape_type": "line",
        "features": features,
        "edge_color": "white",
        "edge_width": max(float(lengths.sum()) / samplerate, 1.0) / 1000,
        "text": {"string": "{recording} @ {start_seconds:.2f} s", "anchor": "center", "size": 10, "color": "white"},
        "axis_labels": ("frequency", "time"),
        "units": ("Hz", "s"),
        "metadata": {KIND: DATASET_PIECES},
    }
    return lines, kwargs, "shapes"


def _dataset_and_split(path: Path) -> tuple[Path, str] | None:
    """``(dataset folder, split)`` for ``<name>.npy`` (its first split) or ``<name>.npy/<split>``."""
    if is_dataset_folder(path):
        splits = dataset_splits(path)
        return (path, splits[0]) if splits else None
    if path.name in SPLIT_NAMES and is_dataset_folder(path.parent) and path.name in dataset_splits(path.parent):
        return path.parent, path.name
    return None
