"""``predict_summary.csv``: one row per recording of a corpus run, written atomically.

Columns: ``recording``, ``status`` (done / skipped / failed / pending),
``duration_seconds``, ``song_seconds`` (summed duration of the segments
found), one count per song type (``<type>_events`` or ``<type>_segments``),
``seconds_taken``, ``output`` (the annotation CSV) and ``message`` (why a
recording failed or was skipped). Paths are relative to the summary's folder
when they lie below it. A skipped recording's findings are read from its CSV,
so the summary of a resumed run describes the whole corpus. Sorting by
``song_seconds`` or a count finds the recordings with song.
"""

from __future__ import annotations

import csv
import io
import os
from collections.abc import Iterable
from pathlib import Path

from ..atomic import atomic_path
from .task import FileResult

FIRST_COLUMNS = ("recording", "status", "duration_seconds", "song_seconds")
LAST_COLUMNS = ("seconds_taken", "output", "message")


def count_column(name: str, kind: str) -> str:
    """``pulse_events`` for the event type ``pulse``, ``syll_segments`` for the segment type ``syll``."""
    return f"{name}_{kind}s"


def write_summary(path: str | os.PathLike, results: Iterable[FileResult]) -> Path:
    path = Path(path)
    results = list(results)
    song_types = {name: kind for r in results for name, kind in r.song_types.items()}
    counts = [count_column(name, kind) for name, kind in song_types.items()]
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow((*FIRST_COLUMNS, *counts, *LAST_COLUMNS))
    for r in results:
        found = r.status in ("done", "skipped")
        row = [_shown(r.recording, path.parent), r.status, _seconds(r.duration_seconds),
               _seconds(r.song_seconds if found else None)]
        row += [r.counts.get(name, 0) if found else "" for name in song_types]
        row += [_seconds(r.seconds_taken), _shown(r.csv, path.parent), r.message]
        writer.writerow(row)
    with atomic_path(path) as tmp:
        tmp.write_text(out.getvalue(), encoding="utf-8")
    return path


def _seconds(value: float | None) -> str:
    return "" if value is None else f"{value:.3f}"


def _shown(path: Path, folder: Path) -> str:
    try:
        return str(Path(path).relative_to(folder.absolute()))
    except ValueError:
        return str(path)


def results_table(results: Iterable[FileResult], folder: str | os.PathLike) -> tuple[list[str], list[list]]:
    """``(columns, rows)`` to show a run's results: recording (relative to ``folder``), status, one count per song
    type (events or segments found, empty unless done or skipped) and a note: the output file, or why not."""
    results = list(results)
    song_types = list(dict.fromkeys(name for r in results for name in r.song_types))
    rows = []
    for r in results:
        found = r.status in ("done", "skipped") and bool(r.song_types)
        note = _shown(r.csv, Path(folder)) if found and not r.message else r.message
        rows.append([_shown(r.recording, Path(folder)), r.status,
                     *[r.counts.get(name, 0) if found else "" for name in song_types], note])
    return ["recording", "status", *song_types, "note"], rows
