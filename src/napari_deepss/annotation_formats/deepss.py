"""DeepSS's own annotation CSV (``<stem>_annotations.csv``): holds everything an :class:`Annotations` table does."""

from __future__ import annotations

from pathlib import Path

from ..annotations import ANNOTATIONS_SUFFIX, annotations_to_csv_text, is_annotations_csv, read_annotations
from .base import EVENT, SEGMENT, AnnotationFormat, RecordingAnnotations, single


def _read(path: Path) -> list[RecordingAnnotations]:
    return [RecordingAnnotations(FORMAT.stem(path), read_annotations(path))]


def _write(path: Path, records: list[RecordingAnnotations], target: Path) -> None:
    path.write_text(annotations_to_csv_text(single(target, records).annotations), encoding="utf-8")


FORMAT = AnnotationFormat(
    name="deepss",
    title="DeepSS annotation CSV",
    suffix=ANNOTATIONS_SUFFIX,
    endings=(ANNOTATIONS_SUFFIX, ".csv"),
    kinds=(EVENT, SEGMENT),
    read=_read,
    write=_write,
    sniff=is_annotations_csv,
    name_problem=lambda name: None,  # the csv module quotes anything
    channels=True,
)
