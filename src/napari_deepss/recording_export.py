"""Export a recording and its annotations, or a part of them, into a folder that Make dataset reads.

The folder gets ``<stem>.wav`` and ``<stem>_annotations.csv``. With a time
range, the audio is cut to it and the annotations are shifted to start at 0:
events inside the range are kept, segments that overlap it are clipped to its
edges. With a subset of song types, only those are written (types without
annotations in the range keep their placeholder rows, so Make dataset still
sees every chosen type).
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from .annotations import Annotations, annotations_path_for, write_annotations
from .audio import save_wav


def export_recording(
    samples: np.ndarray,
    samplerate: float,
    annotations: Annotations,
    folder: str | os.PathLike,
    stem: str,
    *,
    time_range: tuple[float, float] | None = None,
    song_types=None,
    overwrite: bool = False,
) -> tuple[Path, Path]:
    """Write ``folder/<stem>.wav`` and ``folder/<stem>_annotations.csv``; returns both paths.

    Raises ``ValueError`` for an empty or inverted time range, unknown song
    types, or existing files when ``overwrite`` is false.
    """
    samples = np.asarray(samples)
    duration = len(samples) / samplerate
    start, stop = (0.0, duration) if time_range is None else (max(0.0, float(time_range[0])), min(duration, float(time_range[1])))
    if not stop > start:
        raise ValueError(f"the time range {time_range} holds no audio of the {duration:.3f} s recording")
    wav_path = Path(folder) / f"{stem}.wav"
    csv_path = annotations_path_for(wav_path)
    existing = [p for p in (wav_path, csv_path) if p.exists()]
    if existing and not overwrite:
        raise ValueError(f"{existing[0]} exists; choose another folder or allow overwriting")
    table = annotations.cropped(start, stop, song_types)
    Path(folder).mkdir(parents=True, exist_ok=True)
    first, last = int(round(start * samplerate)), int(round(stop * samplerate))
    save_wav(wav_path, samples[first:last], samplerate)
    write_annotations(table, csv_path)
    return wav_path, csv_path
