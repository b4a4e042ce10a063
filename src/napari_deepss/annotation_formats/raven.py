"""Raven selection tables (tab-separated ``.txt``, as Raven exports them: ``<stem>.Table.1.selections.txt``).

Read and written through crowsetta's ``Raven`` class. A selection is a time
range (a segment), or a point in time (an event: begin == end, a Raven point
selection), with a frequency range that DeepSS annotations do not have: on
reading, frequency bounds are dropped with a warning when the selections'
bands differ; on writing, every selection spans 0 Hz to half the recording's
rate (0-0 Hz, with a warning, when the recording is not known). The song
type is the ``Annotation`` column (or the first of :data:`LABEL_COLUMNS`
present). Tables that list each selection once per view (Waveform and
Spectrogram) are read once per selection. A ``Channel`` column other than
all 1 becomes the annotations' channel.
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

BEGIN, END = "Begin Time (s)", "End Time (s)"
LABEL_COLUMNS = ("Annotation", "Label", "Species", "Type", "Call Type", "Class")


def _sniff(path: Path) -> bool:
    try:
        with open(path, encoding="utf-8-sig", errors="replace") as f:
            header = f.readline().rstrip("\r\n").split("\t")
    except OSError:
        return False
    return BEGIN in header and END in header


def _label_column(path: Path, header: list[str]) -> str:
    column = next((c for c in LABEL_COLUMNS if c in header), None)
    if column is None:
        raise FileFormatError(path, f"no column with the song types ({' or '.join(LABEL_COLUMNS[:3])}); "
                                    f"the columns are {', '.join(header)}")
    return column


def _read(path: Path) -> list[RecordingAnnotations]:
    from crowsetta.formats.bbox import Raven

    with open(path, encoding="utf-8-sig") as f:
        header = f.readline().rstrip("\r\n").split("\t")
        has_rows = any(line.strip() for line in f)
    if not has_rows:  # crowsetta refuses a table without selections; it is an empty annotation
        return [RecordingAnnotations(FORMAT.stem(path), table_from_rows(path, [], [], []))]
    try:
        df = Raven.from_file(path, annot_col=_label_column(path, header)).df
    except FileFormatError:
        raise
    except Exception as err:
        raise first_line_problem(path, err) from err
    df = _one_row_per_selection(df)
    bands = set(zip(df["low_freq_hz"], df["high_freq_hz"]))
    if len(bands) > 1:
        warnings.warn(f"{path}: the frequency bounds of the selections are not kept (annotations are time ranges)",
                      stacklevel=2)
    channel = None
    if "Channel" in df and not (df["Channel"] == 1).all():
        channel = np.array([str(c) for c in df["Channel"]], dtype=object)
    table = table_from_rows(path, df["annotation"].tolist(), df["begin_time_s"], df["end_time_s"], channel,
                            row_name="selection")
    return [RecordingAnnotations(FORMAT.stem(path), table)]


def _one_row_per_selection(df):
    """Raven lists a selection once per view: keep the Spectrogram view's row (else the first)."""
    if "Selection" not in df or not df["Selection"].duplicated().any():
        return df
    if "View" in df:
        df = df.sort_values("View", key=lambda view: ~view.astype(str).str.startswith("Spectrogram"), kind="stable")
    return df.drop_duplicates("Selection").sort_index()


def _write(path: Path, records: list[RecordingAnnotations], target: Path) -> None:
    import pandas as pd
    from crowsetta.formats.bbox import Raven

    record = single(target, records)
    names, starts, stops, channel = timed_rows(record.annotations)
    if record.audio is None:
        warnings.warn(f"{target}: the recording is not known; the selections span 0-0 Hz", stacklevel=2)
    high = 0.0 if record.audio is None else record.audio.samplerate / 2
    channels = [1] * len(names) if channel is None else [int(c) if str(c).strip() else 1 for c in channel]
    df = pd.DataFrame({
        "Selection": np.arange(1, len(names) + 1), "View": "Spectrogram 1", "Channel": channels,
        "begin_time_s": starts, "end_time_s": stops, "low_freq_hz": 0.0, "high_freq_hz": high, "annotation": names,
    })
    Raven(df=df, annot_path=target, annot_col="Annotation").to_file(path)


def _check(path: Path, records: list[RecordingAnnotations]) -> None:
    for record in records:
        channel = record.annotations.channel
        bad = [] if channel is None else sorted({str(c) for c in channel if str(c).strip() and not str(c).strip().isdigit()})
        if bad:
            raise FileFormatError(path, "Raven channels are numbers 1, 2, ...; the annotations have "
                                        f"channel(s) {', '.join(bad)}")



def _stem(name: str) -> str:
    """``rec1.Table.1`` (from ``rec1.Table.1.selections.txt``) -> ``rec1``."""
    return re.sub(r"\.Table\.\d+$", "", name.removesuffix(".selections"))


FORMAT = AnnotationFormat(
    name="raven",
    title="Raven selection table",
    suffix=".Table.1.selections.txt",
    endings=(".selections.txt", ".txt"),
    kinds=(EVENT, SEGMENT),
    read=_read,
    write=_write,
    sniff=_sniff,
    stem_of_name=_stem,
    name_problem=refusing("\t\r\n", "a tab or a line break"),
    check=_check,
    channels=True,
)
