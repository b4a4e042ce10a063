"""Annotation files of other tools, converted to and from :class:`~napari_deepss.annotations.Annotations`.

Formats (names as ``dss convert --from/--to`` takes them): ``deepss``
(``<stem>_annotations.csv``), ``raven`` (Raven selection tables), ``audacity``
(Audacity label tracks), ``textgrid`` (Praat TextGrids), ``notmat``
(evsonganaly ``.not.mat``) and ``generic-seq`` (crowsetta's CSV, as vak uses
it). All but DeepSS's and Praat's writing go through vocalpy's crowsetta,
imported only when such a file is read or written.

One format per module (:mod:`.base` says what a format provides; a new one
is one entry in :data:`.registry.FORMATS`); :mod:`.files` reads and writes
with the checks and the definitions file; :mod:`.convert` converts files
and folders (``dss convert``).
"""

from .base import AnnotationFormat, RecordingAnnotations
from .files import (
    annotations_beside,
    check_writable,
    definitions_path,
    read_annotation_file,
    read_recording_annotations,
    write_annotation_file,
    write_recording_annotations,
)
from .registry import FORMATS, annotation_file_for, detect_format, format_for_reading, format_for_writing, format_named

__all__ = [
    "FORMATS",
    "AnnotationFormat",
    "RecordingAnnotations",
    "annotation_file_for",
    "annotations_beside",
    "check_writable",
    "definitions_path",
    "detect_format",
    "format_for_reading",
    "format_for_writing",
    "format_named",
    "read_annotation_file",
    "read_recording_annotations",
    "write_annotation_file",
    "write_recording_annotations",
]
