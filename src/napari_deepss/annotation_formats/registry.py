"""The annotation formats by name, and which format a file is in.

A new format is a module with a ``FORMAT`` (:class:`.base.AnnotationFormat`)
and one entry in :data:`FORMATS`; the reader, the writers and ``dss
convert`` find it here.
"""

from __future__ import annotations

import glob
import os
from pathlib import Path

from ..errors import FileFormatError
from . import audacity, deepss, generic_seq, notmat, raven, textgrid
from .base import AnnotationFormat

#: every format by its name (``dss convert --from/--to``); DeepSS first: it wins where files compete
FORMATS: dict[str, AnnotationFormat] = {
    f.name: f for f in (deepss.FORMAT, raven.FORMAT, audacity.FORMAT, textgrid.FORMAT, notmat.FORMAT, generic_seq.FORMAT)
}


def format_named(name: str) -> AnnotationFormat:
    try:
        return FORMATS[name]
    except KeyError:
        raise ValueError(f"unknown annotation format {name!r}; choose one of {', '.join(FORMATS)}") from None


def _by_ending(path: Path) -> list[AnnotationFormat]:
    """Formats whose file names end like ``path``'s, the most specific ending first."""
    matches = [(f.matching_ending(path), f) for f in FORMATS.values()]
    return [f for ending, f in sorted(((e, f) for e, f in matches if e), key=lambda m: -len(m[0]))]


def detect_format(path: str | os.PathLike) -> AnnotationFormat | None:
    """The format of an existing file, by its name and content (``None``: not an annotation file)."""
    path = Path(path)
    if not path.is_file():
        return None
    return next((f for f in _by_ending(path) if f.sniff(path)), None)


def format_for_reading(path: str | os.PathLike, name: str | None = None) -> AnnotationFormat:
    """The format ``name``, or the one ``path``'s name and content show; FileFormatError if none does."""
    if name is not None:
        return format_named(name)
    found = detect_format(path)
    if found is None:
        if not Path(path).is_file():
            raise FileFormatError(path, "no such file")
        raise FileFormatError(path, f"not an annotation file of a known format ({', '.join(FORMATS)}); "
                                    "name its format if it is one")
    return found


def format_for_writing(path: str | os.PathLike, name: str | None = None) -> AnnotationFormat:
    """The format ``name``, or the one ``path``'s ending names unambiguously.

    ``.csv`` means a DeepSS CSV (this package's own format); a generic-seq
    CSV must be named. ``.txt`` could be Raven or Audacity and must be named,
    except ``.selections.txt`` (Raven's own ending).
    """
    if name is not None:
        return format_named(name)
    candidates = _by_ending(Path(path))
    if not candidates:
        raise FileFormatError(path, "cannot tell the annotation format from the file name; "
                                    f"name one of {', '.join(FORMATS)}")
    best = [f for f in candidates if len(f.matching_ending(path)) == len(candidates[0].matching_ending(path))]
    if len(best) > 1 and deepss.FORMAT not in best:
        raise FileFormatError(path, f"the file name fits several formats ({', '.join(f.name for f in best)}); name one")
    return deepss.FORMAT if deepss.FORMAT in best else best[0]


def annotation_file_for(recording: str | os.PathLike) -> tuple[Path, AnnotationFormat] | None:
    """The annotation file of a recording beside it, in the first format of :data:`FORMATS` that has one.

    ``rec1.wav`` pairs with ``rec1_annotations.csv``, ``rec1.Table.1.selections.txt``,
    ``rec1.txt``, ``rec1.TextGrid``, ``rec1.wav.not.mat`` or ``rec1.csv`` (generic-seq).
    """
    recording = Path(recording)
    stem = recording.stem
    found = []
    for candidate in recording.parent.glob(glob.escape(stem) + "*"):
        if candidate == recording or candidate.name.startswith("."):
            continue
        fmt = detect_format(candidate)
        if fmt is None or fmt.stem(candidate) != stem:
            continue
        if fmt is deepss.FORMAT and candidate.name != stem + fmt.suffix:
            continue  # a DeepSS CSV pairs by its usual name only (rec1.csv opens, but is not rec1.wav's), as in DeepSS
        found.append((list(FORMATS.values()).index(fmt), candidate.name, candidate, fmt))
    return min(found)[2:] if found else None
