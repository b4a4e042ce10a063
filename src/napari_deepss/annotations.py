"""Song annotations and the DeepSS CSV format (``<stem>_annotations.csv``).

One row per annotation: ``name,start_seconds,stop_seconds``. A song type is an
*event* when start == stop and a *segment* when start < stop. A song type
without annotations is kept as a placeholder row: ``name,nan,nan`` (event) or
``name,nan,0`` (segment). A leading pandas index column is tolerated and
dropped; a ``channel`` column is kept. ``<stem>_definitions.csv`` (header-less
``name,event|segment`` rows) declares song types explicitly.
"""

from __future__ import annotations

import csv
import io
import math
import os
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from .atomic import atomic_path
from .audio import AUDIO_SUFFIXES
from .errors import FileFormatError

COLUMNS = ("name", "start_seconds", "stop_seconds")
SONG_TYPE_CATEGORIES = ("event", "segment")
ANNOTATIONS_SUFFIX = "_annotations.csv"
DEFINITIONS_SUFFIX = "_definitions.csv"


@dataclass
class Annotations:
    """Rows of a DeepSS annotation table, in file order, placeholders included.

    ``song_types`` maps every song type to ``'event'`` or ``'segment'``, in the
    order they first appear; types without rows get placeholder rows on writing.
    """

    names: list[str] = field(default_factory=list)
    start_seconds: np.ndarray = field(default_factory=lambda: np.zeros(0))
    stop_seconds: np.ndarray = field(default_factory=lambda: np.zeros(0))
    channel: np.ndarray | None = None
    song_types: dict[str, str] = field(default_factory=dict)

    def __post_init__(self):
        self.names = [str(n) for n in self.names]
        self.start_seconds = np.asarray(self.start_seconds, dtype=np.float64).reshape(-1)
        self.stop_seconds = np.asarray(self.stop_seconds, dtype=np.float64).reshape(-1)
        if not len(self.names) == len(self.start_seconds) == len(self.stop_seconds):
            raise ValueError("names, start_seconds and stop_seconds must have the same length")
        if self.channel is not None:
            self.channel = np.asarray(self.channel, dtype=object).reshape(-1)
            if len(self.channel) != len(self.names):
                raise ValueError("channel must have one value per row")
        inferred = _infer_song_types(self.names, self.start_seconds, self.stop_seconds)
        self.song_types = {**inferred, **{k: _check_category(k, v) for k, v in self.song_types.items()}}

    def __len__(self) -> int:
        return len(self.names)

    @property
    def is_placeholder(self) -> np.ndarray:
        """Rows that only declare a song type (no time)."""
        return np.isnan(self.start_seconds)

    def events(self) -> dict[str, np.ndarray]:
        """Times (seconds) of each event type, placeholders excluded."""
        return {name: self._rows_of(name)[:, 0] for name, kind in self.song_types.items() if kind == "event"}

    def segments(self) -> dict[str, np.ndarray]:
        """``[n, 2]`` onsets and offsets (seconds) of each segment type."""
        return {name: self._rows_of(name) for name, kind in self.song_types.items() if kind == "segment"}

    def _rows_of(self, name: str) -> np.ndarray:
        names = np.asarray(self.names, dtype=object)
        keep = (names == name) & ~self.is_placeholder
        return np.stack([self.start_seconds[keep], self.stop_seconds[keep]], axis=1)

    @classmethod
    def from_rows(cls, names, start_seconds, stop_seconds, song_types=None, channel=None) -> Annotations:
        """Build a table and add placeholder rows for song types without rows."""
        table = cls(list(names), start_seconds, stop_seconds, channel=channel, song_types=dict(song_types or {}))
        return table.with_placeholders()

    def cropped(self, start: float, stop: float, song_types=None) -> Annotations:
        """The annotations within ``[start, stop)`` seconds, shifted by ``-start``, of the chosen ``song_types``.

        Events inside the range are kept; segments that overlap it are cut at
        its edges. Chosen types without annotations in the range keep placeholder
        rows. Raises ``ValueError`` for song types the table does not know.
        """
        chosen = list(self.song_types) if song_types is None else list(song_types)
        unknown = [n for n in chosen if n not in self.song_types]
        if unknown:
            raise ValueError(f"unknown song type(s) {unknown}; the annotations have {list(self.song_types)}")
        names = np.asarray(self.names, dtype=object)
        t0, t1 = self.start_seconds, self.stop_seconds
        with np.errstate(invalid="ignore"):
            inside = np.where(t0 == t1, (t0 >= start) & (t0 < stop), (t1 > start) & (t0 < stop))
        keep = inside & np.isin(names, chosen)
        channel = None if self.channel is None else self.channel[keep]
        return Annotations.from_rows(names[keep].tolist(), np.clip(t0[keep], start, stop) - start,
                                     np.clip(t1[keep], start, stop) - start,
                                     song_types={n: self.song_types[n] for n in chosen}, channel=channel)

    def with_placeholders(self) -> Annotations:
        """This table, or a copy with a placeholder row for every song type that has no row."""
        present = set(self.names)
        missing = [name for name in self.song_types if name not in present]
        if not missing:
            return self
        stops = [math.nan if self.song_types[n] == "event" else 0.0 for n in missing]
        channel = None if self.channel is None else np.concatenate([self.channel, np.full(len(missing), "", dtype=object)])
        return Annotations(
            self.names + missing,
            np.concatenate([self.start_seconds, np.full(len(missing), math.nan)]),
            np.concatenate([self.stop_seconds, stops]),
            channel=channel,
            song_types=self.song_types,
        )


def _check_category(name: str, kind: str) -> str:
    if kind not in SONG_TYPE_CATEGORIES:
        raise ValueError(f"song type {name!r}: category must be 'event' or 'segment', not {kind!r}")
    return kind


def _infer_song_types(names, start, stop) -> dict[str, str]:
    """A type is a segment if any of its rows has stop > start (or is a segment placeholder)."""
    kinds: dict[str, str] = {}
    for name, t0, t1 in zip(names, start, stop):
        if np.isnan(t0):
            is_segment = not np.isnan(t1)  # placeholder: (nan, nan) event, (nan, 0) segment
        else:
            is_segment = t1 > t0
        if is_segment:
            kinds[name] = "segment"
        else:
            kinds.setdefault(name, "event")
    return kinds


def merged_song_types(tables: list[tuple[Path, Annotations]]) -> dict[str, str]:
    """The song types of several annotation files ``(path, table)``, in order of first appearance.

    Raises :class:`FileFormatError` naming both files when a song type is an
    event in one and a segment in another.
    """
    merged: dict[str, tuple[str, Path]] = {}
    for path, table in tables:
        for name, kind in table.song_types.items():
            if name in merged and merged[name][0] != kind:
                other_kind, other = merged[name]
                where = other if other.parent != path.parent else other.name
                raise FileFormatError(path, f"song type {name!r} is {_a(kind)} here but {_a(other_kind)} in {where}; "
                                      "a song type is either an event or a segment in all files")
            merged.setdefault(name, (kind, path))
    return {name: kind for name, (kind, _) in merged.items()}


def _a(kind: str) -> str:
    return f"an {kind}" if kind == "event" else f"a {kind}"


# --- paths -----------------------------------------------------------------


def annotations_path_for(audio_path: str | os.PathLike) -> Path:
    """``rec1.wav`` -> ``rec1_annotations.csv`` in the same folder."""
    path = Path(audio_path)
    return path.with_name(path.stem + ANNOTATIONS_SUFFIX)


def definitions_path_for(path: str | os.PathLike) -> Path:
    """``rec1.wav`` or ``rec1_annotations.csv`` -> ``rec1_definitions.csv``."""
    return Path(path).with_name(recording_stem(path) + DEFINITIONS_SUFFIX)


def recording_stem(path: str | os.PathLike) -> str:
    """The stem that pairs audio and annotations: ``rec1`` for ``rec1_annotations.csv`` or ``rec1.wav``."""
    name = Path(path).name
    for suffix in (ANNOTATIONS_SUFFIX, DEFINITIONS_SUFFIX):
        if name.endswith(suffix):
            return name[: -len(suffix)]
    return Path(path).stem


def find_audio_for(annotations_path: str | os.PathLike) -> Path | None:
    """The recording beside an annotation file (same stem, any audio suffix), if any."""
    path = Path(annotations_path)
    return find_recording(path.parent, recording_stem(path))


def find_recording(folder: str | os.PathLike, stem: str) -> Path | None:
    """The recording ``<stem>.<audio suffix>`` in ``folder``, if any."""
    folder = Path(folder)
    for suffix in AUDIO_SUFFIXES:
        for candidate in (folder / (stem + suffix), folder / (stem + suffix.upper())):
            if candidate.is_file():
                return candidate
    return None


# --- reading ----------------------------------------------------------------


def is_annotations_csv(path: str | os.PathLike) -> bool:
    """True if ``path`` is a CSV whose header has the DeepSS columns."""
    try:
        with open(path, newline="", encoding="utf-8-sig") as f:
            header = next(csv.reader(f), [])
    except (OSError, UnicodeDecodeError, csv.Error):
        return False
    return set(COLUMNS) <= {h.strip() for h in header}


def read_annotations(path: str | os.PathLike, definitions: str | os.PathLike | None = None) -> Annotations:
    """Read a DeepSS annotation CSV.

    ``definitions`` defaults to ``<stem>_definitions.csv`` beside the file when
    that exists. Raises :class:`FileFormatError` naming the file, line and problem.
    """
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as err:
        raise FileFormatError(path, f"cannot read the file ({err})") from err
    rows = list(csv.reader(io.StringIO(text)))
    if not rows:
        raise FileFormatError(path, "the file is empty; expected a header 'name,start_seconds,stop_seconds'")
    header = [h.strip() for h in rows[0]]
    missing = [c for c in COLUMNS if c not in header]
    if missing:
        raise FileFormatError(path, f"line 1: missing column(s) {', '.join(missing)}; the header is {','.join(header)!r}")
    col = {c: header.index(c) for c in COLUMNS}
    channel_col = header.index("channel") if "channel" in header else None
    names, starts, stops, channels = [], [], [], []
    for line_no, row in enumerate(rows[1:], start=2):
        if not row or all(not cell.strip() for cell in row):
            continue
        if len(row) < len(header):
            raise FileFormatError(path, f"line {line_no}: expected {len(header)} values, found {len(row)}")
        name = row[col["name"]].strip()
        if not name:
            raise FileFormatError(path, f"line {line_no}: the song type name is empty")
        start = _parse_time(path, line_no, "start_seconds", row[col["start_seconds"]])
        stop = _parse_time(path, line_no, "stop_seconds", row[col["stop_seconds"]])
        if not math.isnan(start):
            if math.isnan(stop):
                raise FileFormatError(path, f"line {line_no}: start_seconds is {start} but stop_seconds is missing")
            if stop < start:
                raise FileFormatError(path, f"line {line_no}: stop_seconds {stop} is before start_seconds {start}")
        names.append(name)
        starts.append(start)
        stops.append(stop)
        if channel_col is not None:
            channels.append(row[channel_col].strip())
    table = Annotations(
        names,
        np.array(starts, dtype=np.float64),
        np.array(stops, dtype=np.float64),
        channel=np.array(channels, dtype=object) if channel_col is not None else None,
    )
    return with_definitions(table, Path(definitions) if definitions is not None else definitions_path_for(path))


def with_definitions(table: Annotations, definitions: str | os.PathLike) -> Annotations:
    """``table`` with the song types that the definitions file declares, if that file exists.

    Declared types keep their kind even without annotations (they get
    placeholder rows on writing). A type declared an event must not have rows
    with a duration (:class:`FileFormatError` naming the definitions file).
    """
    definitions = Path(definitions)
    if not definitions.is_file():
        return table
    declared = read_definitions(definitions)
    for name, start, stop in zip(table.names, table.start_seconds, table.stop_seconds):
        if declared.get(name) == "event" and stop > start:
            raise FileFormatError(
                definitions, f"{name!r} is declared an event, but the annotations hold a segment of it ({start}-{stop} s)"
            )
    return Annotations(table.names, table.start_seconds, table.stop_seconds, channel=table.channel,
                       song_types={**table.song_types, **declared})


def _parse_time(path: Path, line_no: int, column: str, text: str) -> float:
    text = text.strip()
    if text == "" or text.lower() == "nan":
        return math.nan
    try:
        value = float(text)
    except ValueError:
        raise FileFormatError(path, f"line {line_no}: {column} {text!r} is not a number") from None
    if math.isinf(value) or value < 0:
        raise FileFormatError(path, f"line {line_no}: {column} {text!r} must be a time in seconds >= 0")
    return value


def read_definitions(path: str | os.PathLike) -> dict[str, str]:
    """Read header-less ``name,event|segment`` rows."""
    path = Path(path)
    try:
        rows = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8-sig"))))
    except (OSError, UnicodeDecodeError) as err:
        raise FileFormatError(path, f"cannot read the file ({err})") from err
    song_types = {}
    for line_no, row in enumerate(rows, start=1):
        if not row or all(not cell.strip() for cell in row):
            continue
        if len(row) < 2 or row[1].strip() not in SONG_TYPE_CATEGORIES:
            raise FileFormatError(path, f"line {line_no}: expected 'name,event' or 'name,segment', found {','.join(row)!r}")
        song_types[row[0].strip()] = row[1].strip()
    return song_types


# --- writing ----------------------------------------------------------------


def _format_time(value: float) -> str:
    return "nan" if math.isnan(value) else repr(float(value))


def annotations_to_csv_text(annotations: Annotations) -> str:
    """The DeepSS CSV text of a table, placeholders added for empty song types."""
    table = annotations.with_placeholders()
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    has_channel = table.channel is not None
    writer.writerow(COLUMNS + (("channel",) if has_channel else ()))
    for i, name in enumerate(table.names):
        row = [name, _format_time(table.start_seconds[i]), _format_time(table.stop_seconds[i])]
        if has_channel:
            row.append(table.channel[i])
        writer.writerow(row)
    return out.getvalue()


def write_annotations(annotations: Annotations, path: str | os.PathLike) -> Path:
    """Write the table as a DeepSS CSV, atomically (temporary file, then rename)."""
    path = Path(path)
    text = annotations_to_csv_text(annotations)
    with atomic_path(path) as tmp:
        tmp.write_text(text, encoding="utf-8")
    return path


def write_definitions(song_types: dict[str, str], path: str | os.PathLike) -> Path:
    """Write ``name,event|segment`` rows (no header), atomically."""
    path = Path(path)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    for name, kind in song_types.items():
        writer.writerow([name, _check_category(name, kind)])
    with atomic_path(path) as tmp:
        tmp.write_text(out.getvalue(), encoding="utf-8")
    return path
