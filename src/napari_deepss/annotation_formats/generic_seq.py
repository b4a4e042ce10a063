"""crowsetta's generic sequence CSV (``generic-seq``: the format vak and vocalpy read and convert to).

Columns ``label,onset_s,offset_s,notated_path,annot_path,sequence,annotation``:
one row per segment, and one file may hold the annotations of many
recordings (one ``annotation`` number per recording, named by its
``notated_path``). Read and written through crowsetta's ``GenericSeq``.
It holds segments only (a sequence of labelled segments, as vak trains
on them). Times given only in samples (``onset_sample``) are converted with
the rate of the recording found beside the file. A recording is named by
the stem of its ``notated_path``; this package writes the audio file's name
there (``rec1.wav``, or the stem when the recording is not known).
"""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np

from ..annotations import find_recording
from ..audio import audio_info
from ..errors import FileFormatError
from .base import SEGMENT, AnnotationFormat, RecordingAnnotations, first_line_problem, table_from_rows, timed_rows

COLUMNS = ("label", "onset_s", "offset_s", "notated_path", "annot_path", "sequence", "annotation")


def _header(path: Path) -> list[str]:
    try:
        with open(path, newline="", encoding="utf-8-sig") as f:
            return [h.strip() for h in next(csv.reader(f), [])]
    except (OSError, UnicodeDecodeError, csv.Error):
        return []


def _sniff(path: Path) -> bool:
    header = set(_header(path))
    return {"label", "notated_path", "annotation"} <= header and bool({"onset_s", "onset_sample"} & header)


def _read(path: Path) -> list[RecordingAnnotations]:
    from crowsetta.formats.seq import GenericSeq

    with open(path, encoding="utf-8-sig") as f:
        if sum(1 for line in f if line.strip()) <= 1:  # a header only: no segments, no recordings
            return []
    try:
        annots = GenericSeq.from_file(path).annots
    except Exception as err:
        raise first_line_problem(path, err) from err
    records = [_record(path, annot) for annot in annots]
    stems = [r.recording for r in records]
    doubled = sorted({s for s in stems if stems.count(s) > 1})
    if doubled:
        raise FileFormatError(path, f"several annotations name the recording(s) {', '.join(doubled)}")
    return records


def _record(path: Path, annot) -> RecordingAnnotations:
    notated = str(annot.notated_path)
    stem = Path(path).stem if notated in ("", "None") else Path(notated.replace("\\", "/")).stem
    seq = annot.seq
    onsets, offsets = seq.onsets_s, seq.offsets_s
    if onsets is None or any(t is None for t in onsets):
        rate = _samplerate(path, stem)
        onsets, offsets = np.asarray(seq.onset_samples, float) / rate, np.asarray(seq.offset_samples, float) / rate
    return RecordingAnnotations(stem, table_from_rows(path, list(seq.labels), onsets, offsets, row_name=f"{stem}: segment"))


def _samplerate(path: Path, stem: str) -> float:
    audio = find_recording(path.parent, stem)
    if audio is None:
        raise FileFormatError(path, f"the times of {stem!r} are in samples only, and its recording is not beside this file "
                                    "to convert them to seconds")
    return audio_info(audio).samplerate


def _write(path: Path, records: list[RecordingAnnotations], target: Path) -> None:
    import crowsetta
    import pandas as pd
    from crowsetta.formats.seq import GenericSeq

    annots = []
    for record in records:
        names, starts, stops, _ = timed_rows(record.annotations)
        if names:  # a recording without segments has no rows
            seq = crowsetta.Sequence.from_keyword(labels=np.array(names), onsets_s=starts, offsets_s=stops)
            annots.append(crowsetta.Annotation(annot_path=target.name, notated_path=record.audio_name or record.recording,
                                               seq=seq))
    frame = GenericSeq(annots=annots).to_df(basename=True) if annots else pd.DataFrame(columns=list(COLUMNS))
    frame.to_csv(path, index=False)


FORMAT = AnnotationFormat(
    name="generic-seq",
    title="generic sequence CSV (crowsetta, vak)",
    suffix=".csv",
    endings=(".csv",),
    kinds=(SEGMENT,),
    read=_read,
    write=_write,
    sniff=_sniff,
    many_recordings=True,
)
