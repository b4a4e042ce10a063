"""Annotations a network can learn from: song to tell apart from ``noise``, and no song type named ``noise``.

Without any song annotation every target is ``noise``: a network trains to a
loss of 0 and scores perfectly while it has learnt nothing. ``noise`` is class
0 of every network (no song); a song type of that name would be merged into it.
Both are refused before a dataset is written, naming the annotation files.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ..annotations import annotations_path_for
from ..errors import FileFormatError
from .sources import Sources
from .targets import NOISE

_SHOWN = 5  # files named in an error, at most


def check_trainable(data_folders: list[Path], sources: Sources) -> None:
    """Raise :class:`FileFormatError` for a song type named ``noise``, or for annotations without any song."""
    csvs = [annotations_path_for(r.info.path) for r in sources.recordings]
    named_noise = [csv for csv, r in zip(csvs, sources.recordings) if NOISE in r.annotations.song_types]
    if named_noise:
        raise FileFormatError(_where(data_folders, named_noise), (
            f"song type {NOISE!r} in {_names(named_noise)}: '{NOISE}' is the class of no song (class 0 of every "
            "network), so these rows would silently become background. Rename that song type (e.g. "
            f"'{NOISE}_song'), or delete its rows if they mark where there is no song"))
    if not any(_song_rows(r.annotations) for r in sources.recordings):
        unapproved = (f"; {sources.proposals_left_out} proposal(s) are not approved yet (approve them in Annotate)"
                      if sources.proposals_left_out else "")
        raise FileFormatError(_where(data_folders, csvs), (
            f"no song is annotated in {_names(csvs)} (only empty song types): every target would be "
            f"'{NOISE}', and a network would learn nothing while scoring perfectly. Annotate song first{unapproved}"))


def _song_rows(table) -> int:
    names = np.asarray(table.names, dtype=object)
    return int(np.sum(~table.is_placeholder & (names != NOISE)))


def _where(data_folders: list[Path], files: list[Path]) -> Path | str:
    """The one file to name in the error, or else the data folder(s)."""
    if len(files) == 1:
        return files[0]
    return data_folders[0] if len(data_folders) == 1 else ", ".join(map(str, data_folders))


def _names(files: list[Path]) -> str:
    shown = ", ".join(f.name for f in files[:_SHOWN])
    return shown + (f" and {len(files) - _SHOWN} more" if len(files) > _SHOWN else "")
