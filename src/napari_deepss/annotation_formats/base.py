"""What every annotation format module provides, and the checks they share.

A format is an :class:`AnnotationFormat`: how its files are named, what it
can hold (events, segments, channels, several recordings per file, which
song type names), how to read a file into :class:`RecordingAnnotations` and
how to write them. Formats are registered in :mod:`.registry`; reading and
writing (with the refusals and the definitions file) go through :mod:`.files`.
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..annotations import Annotations
from ..audio import AUDIO_SUFFIXES, AudioInfo
from ..errors import FileFormatError

EVENT = "event"
SEGMENT = "segment"


@dataclass(frozen=True)
class RecordingAnnotations:
    """The annotations of one recording, as an annotation file holds them.

    ``recording`` is the stem that pairs them with their audio (``rec1`` for
    ``rec1.wav``); ``audio`` describes that recording when it is known (its
    file name, rate and duration, which some formats store).
    """

    recording: str
    annotations: Annotations
    audio: AudioInfo | None = None

    @property
    def audio_name(self) -> str | None:
        return None if self.audio is None else Path(self.audio.path).name


Reader = Callable[[Path], list[RecordingAnnotations]]
#: ``write(path, records, target)``: write ``records`` to ``path`` (a temporary name of ``target``)
Writer = Callable[[Path, list[RecordingAnnotations], Path], None]


def refusing(characters: str, description: str) -> Callable[[str], str | None]:
    """A ``name_problem`` that refuses names containing any of ``characters``."""
    return lambda name: f"contains {description}" if any(c in name for c in characters) else None


_no_line_breaks = refusing("\r\n", "a line break")


@dataclass(frozen=True)
class AnnotationFormat:
    """One annotation file format.

    ``suffix`` ends the names of new files (``rec1`` + ``.TextGrid``);
    ``endings`` are the file name endings it is recognised by (any case, the
    most specific first); ``stem_of_name`` tidies what is left of a file name
    without its ending into the recording's stem; ``sniff`` tells from the
    content whether a file is of this format (cheaply: it runs on every file
    napari is asked to open). ``check`` refuses, before anything is written,
    what ``write`` could not hold beyond the kinds, channels, names and
    number of recordings checked for every format; ``name_problem`` says why a
    song type name cannot be written, or ``None``.
    """

    name: str
    title: str
    suffix: str
    endings: tuple[str, ...]
    kinds: tuple[str, ...]
    read: Reader
    write: Writer
    sniff: Callable[[Path], bool]
    stem_of_name: Callable[[str], str] | None = None
    name_problem: Callable[[str], str | None] = _no_line_breaks
    check: Callable[[Path, list[RecordingAnnotations]], None] = lambda path, records: None
    channels: bool = False
    many_recordings: bool = False
    file_name: Callable[[RecordingAnnotations], str] | None = None

    def matching_ending(self, path: str | os.PathLike) -> str | None:
        """The longest of this format's endings that the file name ends with (any case)."""
        name = Path(path).name.lower()
        return max((e for e in self.endings if name.endswith(e.lower())), key=len, default=None)

    def stem(self, path: str | os.PathLike) -> str:
        """The recording stem of a file of this format (``rec1`` for ``rec1.TextGrid``)."""
        name = Path(path).name
        ending = self.matching_ending(name)
        stem = name[: len(name) - len(ending)] if ending else Path(name).stem
        return self.stem_of_name(stem) if self.stem_of_name else stem

    def name_for(self, record: RecordingAnnotations) -> str:
        """The file name of ``record``'s annotations in this format (``rec1.TextGrid``)."""
        return self.file_name(record) if self.file_name is not None else record.recording + self.suffix


def without_audio_suffix(name: str) -> str:
    """``rec1.wav`` -> ``rec1`` (names such as ``rec1.wav.not.mat`` keep the audio file's name)."""
    suffix = Path(name).suffix.lower()
    return name[: -len(suffix)] if suffix in AUDIO_SUFFIXES or suffix == ".cbin" else name


def table_from_rows(path: Path, labels: Sequence, starts: Sequence, stops: Sequence, channel=None,
                    row_name: str = "row") -> Annotations:
    """The annotations of rows read from another tool's file, checked row by row.

    Every row needs a song type name and times in seconds with ``0 <= start <=
    stop``; a row with start == stop is an event. Errors name the file and the
    row (``row_name`` 1-based: 'row', 'selection', 'label', ...).
    """
    names = []
    starts = np.asarray(starts, dtype=np.float64).reshape(-1)
    stops = np.asarray(stops, dtype=np.float64).reshape(-1)
    for i, (label, start, stop) in enumerate(zip(labels, starts, stops), start=1):
        name = "" if label is None or (isinstance(label, float) and math.isnan(label)) else str(label).strip()
        if not name or name == "<NA>":
            raise FileFormatError(path, f"{row_name} {i} ({start:g}-{stop:g} s) has no label; "
                                        "give every annotation a song type")
        if not (math.isfinite(start) and math.isfinite(stop)) or start < 0 or stop < start:
            raise FileFormatError(path, f"{row_name} {i} ({name}): times {start}-{stop} s are not 0 <= start <= stop")
        names.append(name)
    return Annotations(names, starts, stops, channel=channel)


def timed_rows(table: Annotations) -> tuple[list[str], np.ndarray, np.ndarray, np.ndarray | None]:
    """Names, starts, stops and channels of the rows with times (placeholders left out)."""
    keep = ~table.is_placeholder
    names = [n for n, k in zip(table.names, keep) if k]
    channel = None if table.channel is None else table.channel[keep]
    return names, table.start_seconds[keep], table.stop_seconds[keep], channel


def single(path: Path, records: list[RecordingAnnotations]) -> RecordingAnnotations:
    """The one recording a single-recording format writes."""
    if len(records) != 1:
        raise FileFormatError(path, f"this format holds one recording per file, not {len(records)}")
    return records[0]


def first_line_problem(path: Path, problem: Exception) -> FileFormatError:
    """A FileFormatError from a library's error, first line only (pandera's run to dozens of lines)."""
    text = str(problem).strip().splitlines()
    return FileFormatError(path, text[0] if text else type(problem).__name__)
