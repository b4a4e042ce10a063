"""Saving annotations without losing work: a backup of the previous file and an autosave sidecar.

For ``rec1_annotations.csv``:

- ``rec1_annotations.csv.bak`` holds the version the last save replaced (one
  generation; each save moves the current file there first);
- ``rec1_annotations.csv.autosave`` holds unsaved edits, written periodically
  while there are any and removed by a save. A sidecar newer than the CSV (or
  without a CSV) after the recording is opened again means the last session
  ended without saving: it is offered for recovery.

Saving also writes ``rec1_definitions.csv`` (the song types and their kinds).
The backup is a copy of the replaced file, the sidecar a DeepSS CSV that
:func:`~napari_deepss.annotations.read_annotations` reads; their suffixes keep
them out of the way of the reader.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from .annotation_formats import format_for_writing, write_recording_annotations
from .annotations import Annotations, read_annotations, write_annotations
from .atomic import atomic_path

BACKUP_SUFFIX = ".bak"
AUTOSAVE_SUFFIX = ".autosave"


def backup_path_for(csv_path: str | os.PathLike) -> Path:
    """``rec1_annotations.csv`` -> ``rec1_annotations.csv.bak``."""
    return Path(str(csv_path) + BACKUP_SUFFIX)


def autosave_path_for(csv_path: str | os.PathLike) -> Path:
    """``rec1_annotations.csv`` -> ``rec1_annotations.csv.autosave``."""
    return Path(str(csv_path) + AUTOSAVE_SUFFIX)


def save_annotations(annotations: Annotations, path: str | os.PathLike, *, audio=None, format: str | None = None) -> Path:
    """Write ``path`` atomically, keeping the file it replaces as the backup; drop the autosave.

    See :func:`write_with_backup` for the format and the definitions file.
    """
    write_with_backup(annotations, path, audio=audio, format=format)
    discard_autosave(path)
    return Path(path)


def write_with_backup(annotations: Annotations, path: str | os.PathLike, *, audio=None,
                      format: str | None = None) -> Path:
    """Write ``path`` atomically, keeping the file it replaces as the backup (its autosave is left alone).

    The format is the file name's (a DeepSS CSV for ``.csv``) or ``format``;
    ``<stem>_definitions.csv`` is written beside it
    (:func:`~napari_deepss.annotation_formats.write_recording_annotations`;
    ``audio`` describes the recording for formats that store it). ``dss
    predict --overwrite`` replaces annotation files this way: an autosave of
    unsaved edits still belongs to the replaced file's editor.
    """
    path = Path(path)
    fmt = format_for_writing(path, format)
    if path.is_file():
        with atomic_path(backup_path_for(path)) as tmp:
            shutil.copyfile(path, tmp)
    write_recording_annotations(annotations, path, audio=audio, format=fmt.name)
    return path


def write_autosave(annotations: Annotations, csv_path: str | os.PathLike) -> Path:
    """Write the unsaved annotations beside ``csv_path`` (atomically)."""
    return write_annotations(annotations, autosave_path_for(csv_path))


def pending_autosave(csv_path: str | os.PathLike) -> Path | None:
    """The autosave sidecar of ``csv_path`` if it holds edits newer than the file, else ``None``."""
    csv_path = Path(csv_path)
    sidecar = autosave_path_for(csv_path)
    if not sidecar.is_file():
        return None
    if csv_path.is_file() and csv_path.stat().st_mtime_ns > sidecar.stat().st_mtime_ns:
        return None
    return sidecar


def read_autosave(csv_path: str | os.PathLike) -> Annotations:
    """The annotations of the autosave sidecar of ``csv_path``."""
    return read_annotations(autosave_path_for(csv_path))


def discard_autosave(csv_path: str | os.PathLike) -> None:
    """Remove the autosave sidecar of ``csv_path``, if any."""
    autosave_path_for(csv_path).unlink(missing_ok=True)
