"""Read and write annotation files of any format, with the song type definitions beside them.

Writing refuses, before anything is written, what the format cannot hold
(events in a segment-only format, names it cannot store, channels, several
recordings in a one-recording file, and what the format's own check
refuses), with a message naming the file and the song types. Nothing is
dropped silently: song types without annotations, which most formats cannot
hold, go to ``<stem>_definitions.csv`` beside the file (DeepSS's
``name,event|segment`` rows), written whenever song types exist, and read
back with the file.
"""

from __future__ import annotations

import os
from dataclasses import replace
from pathlib import Path

from ..annotations import DEFINITIONS_SUFFIX, Annotations, find_recording, with_definitions, write_definitions
from ..atomic import atomic_path
from ..audio import audio_info
from ..errors import FileFormatError
from .base import AnnotationFormat, RecordingAnnotations, timed_rows
from .registry import annotation_file_for, format_for_reading, format_for_writing


def definitions_path(path: str | os.PathLike, fmt: AnnotationFormat) -> Path:
    """``<stem>_definitions.csv`` beside an annotation file (``rec1.TextGrid`` -> ``rec1_definitions.csv``)."""
    return Path(path).with_name(fmt.stem(path) + DEFINITIONS_SUFFIX)


def read_annotation_file(path: str | os.PathLike, format: str | None = None) -> list[RecordingAnnotations]:
    """The annotations of every recording in an annotation file (one, except in generic-seq files).

    ``format`` is a name of :data:`~.registry.FORMATS`; by default the file's
    name and content tell. Song types declared in the definitions file beside
    it are added. Raises :class:`FileFormatError` naming the file and problem.
    """
    path = Path(path)
    fmt = format_for_reading(path, format)
    definitions = definitions_path(path, fmt)
    return [replace(r, annotations=with_definitions(r.annotations, definitions)) for r in fmt.read(path)]


def read_recording_annotations(path: str | os.PathLike, recording: str | None = None,
                               format: str | None = None) -> Annotations:
    """The annotations of one recording (``recording``: its stem, needed when the file holds several).

    A recording that a generic-seq file has no rows for gets an empty table
    with the file's declared song types.
    """
    path = Path(path)
    records = read_annotation_file(path, format)
    if recording is not None:
        chosen = [r for r in records if r.recording == recording]
    else:
        chosen = records
        if len(records) > 1:
            raise FileFormatError(path, f"holds the annotations of {len(records)} recordings; choose one")
    if chosen:
        return chosen[0].annotations
    return with_definitions(Annotations(), definitions_path(path, format_for_reading(path, format)))


def annotations_beside(recording: str | os.PathLike) -> tuple[Path, Annotations] | None:
    """The annotation file beside a recording and its annotations of that recording, if there is one."""
    found = annotation_file_for(recording)
    if found is None:
        return None
    path, fmt = found
    return path, read_recording_annotations(path, Path(recording).stem, fmt.name)


def check_writable(records: list[RecordingAnnotations], path: str | os.PathLike, fmt: AnnotationFormat) -> None:
    """Raise :class:`FileFormatError` for anything of ``records`` that ``fmt`` cannot hold."""
    path = Path(path)
    if len(records) > 1 and not fmt.many_recordings:
        raise FileFormatError(path, f"the format {fmt.title} holds one recording per file, not {len(records)}; "
                                    "write them to a folder")
    for record in records:
        table = record.annotations
        names, _, _, channel = timed_rows(table)
        for kind in ("event", "segment"):
            held = sorted({n for n in names if table.song_types[n] == kind})
            if held and kind not in fmt.kinds:
                count = sum(table.song_types[n] == kind for n in names)
                raise FileFormatError(path, f"the format {fmt.title} holds only {fmt.kinds[0]}s: {count} {kind}(s) of "
                                            f"{', '.join(map(repr, held))} cannot be written. Keep them in a DeepSS CSV "
                                            "(or a format that holds them), or delete them first")
        bad = [(n, problem) for n in table.song_types if (problem := fmt.name_problem(n))]
        if bad:
            raise FileFormatError(path, f"song type {bad[0][0]!r} {bad[0][1]} (format {fmt.title})")
        if not fmt.channels and channel is not None and any(str(c).strip() for c in channel):
            raise FileFormatError(path, f"the annotations have channels, which the format {fmt.title} cannot hold; "
                                        "keep them in a DeepSS CSV or a Raven table")
    fmt.check(path, records)


def write_annotation_file(records: list[RecordingAnnotations], path: str | os.PathLike,
                          format: str | None = None) -> Path:
    """Write the annotations of one recording (several for generic-seq) in a format, atomically.

    ``format`` is a name of :data:`~.registry.FORMATS`; by default the file
    name tells (:func:`~.registry.format_for_writing`). Everything is checked
    first (:func:`check_writable`). The definitions file beside it is then
    written with every song type, or removed when there are none (so that it
    does not bring deleted types back).
    """
    path = Path(path)
    fmt = format_for_writing(path, format)
    check_writable(records, path, fmt)
    with atomic_path(path) as tmp:
        fmt.write(tmp, records, path)
    song_types: dict[str, str] = {}
    for record in records:
        song_types.update(record.annotations.song_types)
    definitions = definitions_path(path, fmt)
    if song_types:
        write_definitions(song_types, definitions)
    else:
        definitions.unlink(missing_ok=True)
    return path


def write_recording_annotations(annotations: Annotations, path: str | os.PathLike, *, audio=None,
                                format: str | None = None) -> Path:
    """:func:`write_annotation_file` for one recording.

    ``audio`` (an :class:`~napari_deepss.audio.AudioInfo`) describes the
    recording for formats that store its name, rate or duration; by default
    the recording beside ``path`` with the same stem, if there is one.
    """
    fmt = format_for_writing(path, format)
    stem = fmt.stem(path)
    if audio is None:
        beside = find_recording(Path(path).parent, stem)
        audio = None if beside is None else audio_info(beside)
    return write_annotation_file([RecordingAnnotations(stem, annotations, audio)], path, fmt.name)
