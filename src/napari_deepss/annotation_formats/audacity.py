"""Audacity label tracks exported as text (``<stem>.txt``: ``start<TAB>end<TAB>label`` per label).

Read through crowsetta's ``AudSeq`` (standard format) or ``AudBBox`` (the
extended format, where a line ``\\<TAB>low<TAB>high`` after each label holds
its frequency range, which is dropped with a warning); written through
``AudSeq``. A point label (start == end) is an event, a region label a
segment. An empty file is an empty label track.
"""

from __future__ import annotations

import re
import warnings
from pathlib import Path

import numpy as np

from ..errors import FileFormatError
from .base import (
    EVENT,
    SEGMENT,
    AnnotationFormat,
    RecordingAnnotations,
    first_line_problem,
    refusing,
    single,
    table_from_rows,
    timed_rows,
)

_LABEL_LINE = re.compile(r"^\s*[-+0-9.eE]+\t[-+0-9.eE]+(\t.*)?$")
_FREQUENCY_LINE = re.compile(r"^\\\t")
SNIFF_LINES = 20


def _lines(path: Path, limit: int | None = None) -> list[str]:
    with open(path, encoding="utf-8-sig", errors="replace") as f:
        lines = []
        for line in f:
            if line.strip():
                lines.append(line.rstrip("\r\n"))
            if limit is not None and len(lines) >= limit:
                break
    return lines


def _sniff(path: Path) -> bool:
    """Label lines (two numbers and a label, tab-separated) and perhaps frequency lines; an empty file too."""
    try:
        lines = _lines(path, SNIFF_LINES)
    except OSError:
        return False
    return all(_LABEL_LINE.match(line) or _FREQUENCY_LINE.match(line) for line in lines)


def _read(path: Path) -> list[RecordingAnnotations]:
    from crowsetta.formats.bbox import AudBBox
    from crowsetta.formats.seq import AudSeq

    lines = _lines(path)
    _check_labels(path, [line for line in lines if not _FREQUENCY_LINE.match(line)])
    if not lines:
        labels, starts, stops = [], [], []
    elif any(_FREQUENCY_LINE.match(line) for line in lines):
        try:
            df = AudBBox.from_file(path).df
        except Exception as err:
            raise first_line_problem(path, err) from err
        warnings.warn(f"{path}: the frequency ranges of the labels are not kept (annotations are time ranges)",
                      stacklevel=2)
        labels, starts, stops = df["label"].tolist(), df["begin_time_s"], df["end_time_s"]
    else:
        try:
            labels_track = AudSeq.from_file(path)
        except Exception as err:
            raise first_line_problem(path, err) from err
        labels, starts, stops = list(labels_track.labels), labels_track.start_times, labels_track.end_times
    return [RecordingAnnotations(FORMAT.stem(path), table_from_rows(path, labels, starts, stops, row_name="label"))]


def _check_labels(path: Path, label_lines: list[str]) -> None:
    """Every label line has a start, an end and a label (crowsetta's message names no line)."""
    for number, line in enumerate(label_lines, start=1):
        fields = line.split("\t")
        if len(fields) < 3 or not fields[2].strip():
            raise FileFormatError(path, f"label {number} ({fields[0]}-{fields[1] if len(fields) > 1 else '?'} s) has "
                                        "no label; give every annotation a song type")


def _write(path: Path, records: list[RecordingAnnotations], target: Path) -> None:
    from crowsetta.formats.seq import AudSeq

    names, starts, stops, _ = timed_rows(single(target, records).annotations)
    if not names:  # crowsetta cannot write an empty track; Audacity exports an empty file
        path.write_text("", encoding="utf-8")
        return
    AudSeq(start_times=starts, end_times=stops, labels=np.array(names, dtype=object), annot_path=target).to_file(path)



FORMAT = AnnotationFormat(
    name="audacity",
    title="Audacity label track",
    suffix=".txt",
    endings=(".txt",),
    kinds=(EVENT, SEGMENT),
    read=_read,
    write=_write,
    sniff=_sniff,
    name_problem=refusing('\t\r\n"', "a tab, a double quote or a line break"),
)
