"""Proposals: annotations a network or a detector suggested and nobody has checked yet (DeepSS's convention).

A proposal of song type ``pulse`` is a row of song type ``pulse_proposals``
(:data:`SUFFIX`), in the same table and the same CSV as the approved
annotations, so a file saved mid-proofreading re-opens with both kinds apart.
Approving a proposal renames its type to ``pulse``. Datasets are built from
approved annotations only (:func:`without_proposals`). Proposals belong to a
time range by their start: predicting a range again replaces the proposals that
start inside it (:func:`replace_proposals`) and never touches approved rows;
what an approved annotation of the same type already marks is not proposed
again (an event within :data:`SAME_EVENT_SECONDS`, an overlapping segment).
"""

from __future__ import annotations

import numpy as np

from .annotations import Annotations

SUFFIX = "_proposals"
#: a proposed event this close to an approved event of its type marks the same event (DeepSS's event tolerance)
SAME_EVENT_SECONDS = 0.01


def is_proposal(name: str) -> bool:
    return name.endswith(SUFFIX) and len(name) > len(SUFFIX)


def proposal_name(song_type: str) -> str:
    """``pulse`` -> ``pulse_proposals`` (a proposal type keeps its name)."""
    return song_type if is_proposal(song_type) else song_type + SUFFIX


def approved_name(name: str) -> str:
    """``pulse_proposals`` -> ``pulse`` (an approved type keeps its name)."""
    return name[: -len(SUFFIX)] if is_proposal(name) else name


def as_proposals(table: Annotations) -> Annotations:
    """The table's annotations as proposals; the approved types are declared too (so they can be approved into)."""
    song_types = {proposal_name(n): kind for n, kind in table.song_types.items()}
    song_types.update({approved_name(n): kind for n, kind in song_types.items()})
    return Annotations([proposal_name(n) for n in table.names], table.start_seconds, table.stop_seconds,
                       channel=table.channel, song_types=song_types)


def without_proposals(table: Annotations) -> tuple[Annotations, int]:
    """``(the table without proposal rows and types, how many proposal rows were left out)``."""
    keep = np.array([not is_proposal(n) for n in table.names], dtype=bool)
    left_out = int(np.sum(~keep & ~table.is_placeholder))
    return _rows(table, keep, {n: k for n, k in table.song_types.items() if not is_proposal(n)}), left_out


def without_empty_proposal_types(table: Annotations) -> Annotations:
    """The table without proposal types that have no proposals left (all approved or deleted), before saving."""
    used = {n for n, placeholder in zip(table.names, table.is_placeholder) if not placeholder}
    song_types = {n: k for n, k in table.song_types.items() if not is_proposal(n) or n in used}
    keep = np.array([n in song_types for n in table.names], dtype=bool)
    return _rows(table, keep, song_types)


def starts_in(table: Annotations, start: float, stop: float) -> np.ndarray:
    """Rows (not placeholders) that start within ``[start, stop)`` seconds."""
    with np.errstate(invalid="ignore"):
        return (table.start_seconds >= start) & (table.start_seconds < stop)


def replace_proposals(table: Annotations, proposals: Annotations, start: float, stop: float) -> Annotations:
    """``table`` whose proposals starting in ``[start, stop)`` are replaced by those of ``proposals`` there.

    ``proposals`` holds song types as a network names them (``pulse``) or as
    proposals; approved and human rows are kept whatever their time.
    """
    new = as_proposals(proposals)
    old = np.array([is_proposal(n) for n in table.names], dtype=bool) & starts_in(table, start, stop)
    kept = _rows(table, ~old & ~table.is_placeholder, table.song_types)
    added = _rows(new, starts_in(new, start, stop) & ~_marked(new, kept), new.song_types)
    song_types = {**new.song_types, **table.song_types}
    channel = None
    if kept.channel is not None or added.channel is not None:
        channel = np.concatenate([_channel(kept), _channel(added)])
    names = kept.names + added.names
    starts = np.concatenate([kept.start_seconds, added.start_seconds])
    order = np.argsort(starts, kind="stable")
    return Annotations.from_rows([names[i] for i in order], starts[order],
                                 np.concatenate([kept.stop_seconds, added.stop_seconds])[order],
                                 song_types=song_types, channel=None if channel is None else channel[order])


def _marked(proposals: Annotations, table: Annotations) -> np.ndarray:
    """Proposals that an approved annotation of their type in ``table`` already marks."""
    marked = np.zeros(len(proposals), dtype=bool)
    names = np.asarray(table.names, dtype=object)
    for i, (name, t0, t1) in enumerate(zip(proposals.names, proposals.start_seconds, proposals.stop_seconds)):
        same = (names == approved_name(name)) & ~table.is_placeholder
        a, b = table.start_seconds[same], table.stop_seconds[same]
        if t0 == t1:
            marked[i] = bool(np.any(np.abs(a - t0) < SAME_EVENT_SECONDS))
        else:
            marked[i] = bool(np.any((a < t1) & (b > t0)))
    return marked


def _channel(table: Annotations) -> np.ndarray:
    return table.channel if table.channel is not None else np.full(len(table), "", dtype=object)


def _rows(table: Annotations, keep: np.ndarray, song_types: dict[str, str]) -> Annotations:
    channel = None if table.channel is None else table.channel[keep]
    return Annotations([n for n, k in zip(table.names, keep) if k], table.start_seconds[keep],
                       table.stop_seconds[keep], channel=channel, song_types=song_types)
