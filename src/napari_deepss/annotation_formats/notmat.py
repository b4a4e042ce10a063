"""evsonganaly's ``.not.mat`` files (``<audio file name>.not.mat``, e.g. ``rec1.wav.not.mat``).

Read and written through crowsetta's ``NotMat`` class. evsonganaly labels
syllables: segments only, each song type one character (the labels are one
string, a character per syllable), times in milliseconds. The file stores
the recording's sampling rate, so writing needs the recording (found beside
the annotations); the segmentation settings evsonganaly also stores are
written with crowsetta's documented defaults (threshold 5000, minimum
syllable 20 ms, minimum gap 2 ms), since DeepSS annotations have none.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import numpy as np

from ..errors import FileFormatError
from .base import (
    SEGMENT,
    AnnotationFormat,
    RecordingAnnotations,
    first_line_problem,
    single,
    table_from_rows,
    timed_rows,
    without_audio_suffix,
)

SUFFIX = ".not.mat"
THRESHOLD, MIN_SYLLABLE_SECONDS, MIN_GAP_SECONDS = 5000, 0.02, 0.002


def _sniff(path: Path) -> bool:
    if not path.name.lower().endswith(SUFFIX):
        return False
    try:
        import scipy.io

        names = {name for name, _, _ in scipy.io.whosmat(path)}
    except Exception:
        return False
    return {"onsets", "offsets", "labels"} <= names


def _read(path: Path) -> list[RecordingAnnotations]:
    from crowsetta.formats.seq import NotMat

    try:
        notmat = NotMat.from_file(path)
    except Exception as err:
        raise first_line_problem(path, err) from err
    table = table_from_rows(path, list(notmat.labels), notmat.onsets, notmat.offsets, row_name="syllable")
    return [RecordingAnnotations(FORMAT.stem(path), table)]


def _write(path: Path, records: list[RecordingAnnotations], target: Path) -> None:
    from crowsetta.formats.seq import NotMat

    record = single(target, records)
    names, starts, stops, _ = timed_rows(record.annotations)
    audio_name = Path(record.audio_name)
    notmat = NotMat(onsets=starts, offsets=stops, labels=np.array(names, dtype="<U1"), annot_path=target,
                    audio_path=audio_name)
    # crowsetta names the file itself (<audio name>.not.mat) and refuses to replace one: write it in a fresh
    # folder beside the target, then move it onto the temporary file
    with tempfile.TemporaryDirectory(dir=path.parent, prefix=".notmat-") as folder:
        notmat.to_file(record.audio.samplerate, THRESHOLD, MIN_SYLLABLE_SECONDS, MIN_GAP_SECONDS, fname=audio_name,
                       dst=folder)
        os.replace(Path(folder) / (audio_name.name + SUFFIX), path)


def _check(path: Path, records: list[RecordingAnnotations]) -> None:
    for record in records:
        if record.audio is None:
            raise FileFormatError(path, f"a .not.mat stores the recording's sampling rate, but the recording "
                                        f"{record.recording!r} was not found beside the annotations; put it there")


def _label_problem(name: str) -> str | None:
    if len(name) != 1 or name.isspace():
        return "is not a single character (evsonganaly labels each syllable with one character); rename it"
    return None


def _file_name(record: RecordingAnnotations) -> str:
    return (record.audio_name or record.recording + ".wav") + SUFFIX


FORMAT = AnnotationFormat(
    name="notmat",
    title="evsonganaly .not.mat",
    suffix=SUFFIX,
    endings=(SUFFIX,),
    kinds=(SEGMENT,),
    read=_read,
    write=_write,
    sniff=_sniff,
    stem_of_name=without_audio_suffix,
    name_problem=_label_problem,
    check=_check,
    file_name=_file_name,
)
