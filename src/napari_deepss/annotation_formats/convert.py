"""Convert annotation files or folders between formats (``dss convert``).

A source file, or every annotation file of one format in a source folder,
is read with the definitions beside it; each recording's annotations go to
a file named for the target format in the target folder (``rec1.TextGrid``,
``rec1.wav.not.mat``, ...), or all of them to one target file (one
recording, or several for generic-seq). The recording beside each source
file (same stem) supplies what some formats store (rate, duration, file
name). Everything is read and checked before the first file is written;
existing targets are replaced only with ``overwrite``.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, replace
from pathlib import Path

from ..annotations import find_recording
from ..audio import audio_info
from ..errors import FileFormatError
from .base import AnnotationFormat, RecordingAnnotations
from .files import check_writable, read_annotation_file, write_annotation_file
from .registry import FORMATS, detect_format, format_for_reading, format_for_writing, format_named


@dataclass(frozen=True)
class Conversion:
    """One file to write: the records it holds and the files they came from."""

    target: Path
    records: list[RecordingAnnotations]
    sources: list[Path]


def source_files(source: Path, from_format: str | None = None) -> list[tuple[Path, AnnotationFormat]]:
    """The annotation files to convert: ``source`` itself, or those of one format in the folder ``source``."""
    if not source.is_dir():
        return [(source, format_for_reading(source, from_format))]
    found: dict[str, list[Path]] = {}
    for path in sorted(p for p in source.iterdir() if p.is_file() and not p.name.startswith(".")):
        if from_format is not None:
            fmt = format_named(from_format)
            fmt = fmt if fmt.matching_ending(path) and fmt.sniff(path) else None
        else:
            fmt = detect_format(path)
        if fmt is not None:
            found.setdefault(fmt.name, []).append(path)
    if not found:
        kind = f"{from_format} file" if from_format else f"annotation file ({', '.join(FORMATS)})"
        raise FileFormatError(source, f"no {kind} in this folder")
    if len(found) > 1:
        listing = "; ".join(f"{len(paths)} {name}" for name, paths in found.items())
        raise FileFormatError(source, f"holds annotation files of several formats ({listing}); choose one with --from")
    (name, paths), = found.items()
    return [(path, FORMATS[name]) for path in paths]


def _with_audio(path: Path, record: RecordingAnnotations) -> RecordingAnnotations:
    audio = find_recording(path.parent, record.recording)
    return record if audio is None else replace(record, audio=audio_info(audio))


def plan_conversion(source: str | os.PathLike, target: str | os.PathLike, *, from_format: str | None = None,
                    to_format: str | None = None, overwrite: bool = False) -> list[Conversion]:
    """Read and check everything a conversion writes; raises before anything is written."""
    source, target = Path(source), Path(target)
    if not source.exists():
        raise FileFormatError(source, "no such file or folder")
    read = [(path, _with_audio(path, record)) for path, fmt in source_files(source, from_format)
            for record in read_annotation_file(path, fmt.name)]
    if not read:
        raise FileFormatError(source, "holds no annotations to convert")
    if target.is_dir() or not target.suffix:
        if to_format is None:
            raise FileFormatError(target, f"is a folder: name the format to write with --to ({', '.join(FORMATS)})")
        fmt = format_named(to_format)
        plan = [Conversion(target / fmt.name_for(record), [record], [path]) for path, record in read]
    else:
        fmt = format_for_writing(target, to_format)
        plan = [Conversion(target, [record for _, record in read], sorted({path for path, _ in read}))]
    _check_targets(plan, {path.resolve() for path, _ in read}, overwrite)
    for conversion in plan:
        check_writable(conversion.records, conversion.target, fmt)
    return plan


def _check_targets(plan: list[Conversion], sources: set[Path], overwrite: bool) -> None:
    names = [c.target for c in plan]
    doubled = sorted({str(n) for n in names if names.count(n) > 1})
    if doubled:
        raise FileFormatError(doubled[0], "several source files would be written to this file; convert them one by one")
    for conversion in plan:
        if conversion.target.resolve() in sources:
            raise FileFormatError(conversion.target, "is a file being converted; choose another target")
    existing = [str(c.target) for c in plan if c.target.exists()]
    if existing and not overwrite:
        more = f" and {len(existing) - 3} more" if len(existing) > 3 else ""
        raise FileExistsError(f"{', '.join(existing[:3])}{more} exist(s); choose another target or overwrite")


def convert(source: str | os.PathLike, target: str | os.PathLike, *, from_format: str | None = None,
            to_format: str | None = None, overwrite: bool = False) -> list[Conversion]:
    """Convert a file or a folder of annotation files; returns what was written.

    ``from_format``/``to_format`` are names of :data:`~.registry.FORMATS`; by
    default file names (and, for reading, contents) tell. A target folder is
    created when missing and needs ``to_format``.
    """
    plan = plan_conversion(source, target, from_format=from_format, to_format=to_format, overwrite=overwrite)
    fmt = format_named(to_format) if to_format else format_for_writing(plan[0].target)
    for conversion in plan:
        conversion.target.parent.mkdir(parents=True, exist_ok=True)
        write_annotation_file(conversion.records, conversion.target, fmt.name)
    return plan
