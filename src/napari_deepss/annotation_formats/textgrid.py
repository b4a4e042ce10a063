"""Praat TextGrids (``<stem>.TextGrid``, text format): interval tiers hold segments, point tiers events.

Read through crowsetta's ``TextGrid`` class: every labelled interval of every
interval tier is a segment of the song type in its text, every point of a
point tier an event of the type in its mark (tier names are not used; empty
intervals are the gaps between segments). crowsetta reads TextGrids but does
not write them, so they are written here in Praat's long text format: one
interval tier per segment type and one point tier per event type, each
named after its song type, spanning 0 s to the end of the recording (or of
the last annotation). Like Praat, the file is ASCII when it can be and
UTF-16 otherwise. Overlapping segments of one song type cannot be intervals
of one tier and are refused.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ..errors import FileFormatError
from .base import (
    EVENT,
    SEGMENT,
    AnnotationFormat,
    RecordingAnnotations,
    first_line_problem,
    single,
    table_from_rows,
    timed_rows,
)


def _sniff(path: Path) -> bool:
    try:
        with open(path, "rb") as f:
            head = f.read(200)
    except OSError:
        return False
    for encoding in ("utf-16", "utf-8-sig"):
        try:
            text = head.decode(encoding, errors="ignore")
        except UnicodeError:
            continue
        if "ooTextFile" in text and "TextGrid" in text:
            return True
    return False


def _read(path: Path) -> list[RecordingAnnotations]:
    from crowsetta.formats.seq import TextGrid
    from crowsetta.formats.seq.textgrid.classes import IntervalTier

    with open(path, "rb") as f:
        binary = b"ooBinaryFile" in f.read(40)
    if binary:
        raise FileFormatError(path, "a binary TextGrid; save it from Praat as a text file")
    try:
        grid = TextGrid.from_file(path)
    except Exception as err:
        raise first_line_problem(path, err) from err
    labels, starts, stops = [], [], []
    for tier in grid.tiers:
        if isinstance(tier, IntervalTier):
            rows = [(i.text, i.xmin, i.xmax) for i in tier.intervals if i.text.strip()]
        else:
            rows = [(p.mark, p.number, p.number) for p in tier.points]
        for text, start, stop in rows:
            labels.append(text.replace('""', '"'))  # Praat doubles quotes inside a text
            starts.append(start)
            stops.append(stop)
    order = np.argsort(starts, kind="stable")
    table = table_from_rows(path, [labels[i] for i in order], np.take(starts, order), np.take(stops, order),
                            row_name="interval or point")
    return [RecordingAnnotations(FORMAT.stem(path), table)]


def _number(value: float) -> str:
    """A time as Praat writes it, positional (crowsetta's parser reads no exponents), every digit kept."""
    return np.format_float_positional(float(value), trim="-")


def _text(value: str) -> str:
    return '"' + value.replace('"', '""') + '"'


def _tier_lines(number: int, name: str, kind: str, rows: np.ndarray, xmax: float) -> list[str]:
    lines = [f"    item [{number}]:", '        class = "{}" '.format("IntervalTier" if kind == SEGMENT else "TextTier"),
             f"        name = {_text(name)} ", "        xmin = 0 ", f"        xmax = {_number(xmax)} "]
    if kind == EVENT:
        lines.append(f"        points: size = {len(rows)} ")
        for i, (time, _) in enumerate(rows, start=1):
            lines += [f"        points [{i}]:", f"            number = {_number(time)} ", f"            mark = {_text(name)} "]
        return lines
    intervals, edge = [], 0.0
    for start, stop in rows:
        if start > edge:
            intervals.append((edge, start, ""))
        intervals.append((start, stop, name))
        edge = stop
    if edge < xmax:
        intervals.append((edge, xmax, ""))
    lines.append(f"        intervals: size = {len(intervals)} ")
    for i, (start, stop, text) in enumerate(intervals, start=1):
        lines += [f"        intervals [{i}]:", f"            xmin = {_number(start)} ", f"            xmax = {_number(stop)} ",
                  f"            text = {_text(text)} "]
    return lines


def _rows_by_type(record: RecordingAnnotations) -> dict[str, np.ndarray]:
    table = record.annotations
    rows = {**{name: np.stack([t, t], axis=1) for name, t in table.events().items()}, **table.segments()}
    return {name: rows[name][np.argsort(rows[name][:, 0], kind="stable")] for name in table.song_types}


def _write(path: Path, records: list[RecordingAnnotations], target: Path) -> None:
    record = single(target, records)
    _, starts, stops, _ = timed_rows(record.annotations)
    duration = 0.0 if record.audio is None else record.audio.duration_seconds
    xmax = max([duration, *stops]) if len(stops) or duration else 1.0
    lines = ['File type = "ooTextFile"', 'Object class = "TextGrid"', "", "xmin = 0 ", f"xmax = {_number(xmax)} ",
             "tiers? <exists> ", f"size = {len(record.annotations.song_types)} ", "item []: "]
    for number, (name, rows) in enumerate(_rows_by_type(record).items(), start=1):
        lines += _tier_lines(number, name, record.annotations.song_types[name], rows, xmax)
    text = "\n".join(lines) + "\n"
    path.write_bytes(text.encode("ascii") if text.isascii() else text.encode("utf-16"))


def _check(path: Path, records: list[RecordingAnnotations]) -> None:
    for record in records:
        for name, rows in _rows_by_type(record).items():
            if record.annotations.song_types[name] == SEGMENT and len(rows) > 1:
                overlap = np.flatnonzero(rows[1:, 0] < rows[:-1, 1])
                if len(overlap):
                    (a, b), (c, d) = rows[overlap[0]], rows[overlap[0] + 1]
                    raise FileFormatError(path, f"segments of {name!r} overlap ({a:g}-{b:g} s and {c:g}-{d:g} s; "
                                                f"{len(overlap)} like this): a TextGrid tier cannot hold them")


FORMAT = AnnotationFormat(
    name="textgrid",
    title="Praat TextGrid",
    suffix=".TextGrid",
    endings=(".TextGrid",),
    kinds=(EVENT, SEGMENT),
    read=_read,
    write=_write,
    sniff=_sniff,
    check=_check,
)
