"""The annotated recordings of a data folder, checked before anything is written.

Proposals (rows of ``<type>_proposals``, suggested by a network or a detector
and not yet approved; :mod:`napari_deepss.proposals`) are left out: a dataset
holds approved annotations only. How many were left out is reported.
"""

from __future__ import annotations

import logging
import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..annotations import Annotations, annotations_path_for, merged_song_types, read_annotations, recording_stem
from ..audio import AudioInfo, audio_info, recordings_in
from ..errors import FileFormatError
from ..proposals import without_proposals
from ..resampling import resampling_factors

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Recording:
    """One audio file and its annotations; ``n_samples`` at the dataset rate."""

    name: str
    info: AudioInfo
    annotations: Annotations
    n_samples: int
    resampling: tuple[int, int]  # (up, down) factors; (1, 1) when already at the dataset rate


@dataclass(frozen=True)
class Sources:
    recordings: list[Recording]
    samplerate: float
    n_channels: int
    song_types: dict[str, str]
    skipped: list[str]  # audio files without annotations
    proposals_left_out: int = 0  # rows of unapproved proposals, not used


def find_sources(data_folders: Path | list[Path], recursive: bool = False) -> Sources:
    """Pair audio with ``<stem>_annotations.csv`` in one or several folders and check that they fit together.

    With ``recursive`` the folders' sub-folders are searched too (e.g.
    ``round1/``, ``round2/``). Recordings are named by their stem, which must
    be unique over all folders. Raises :class:`FileFormatError` for: no
    annotated recording, two recordings with one stem (naming both files),
    mixed channel counts (naming the files), a song type that is an event in
    one file and a segment in another, and annotations outside their recording.
    """
    folders = [data_folders] if isinstance(data_folders, Path) else list(data_folders)
    found = {}
    for folder in folders:
        if not folder.is_dir():
            raise FileFormatError(folder, "not a folder: give the folder that holds the recordings and their "
                                  "annotation files" if folder.exists() else "the data folder does not exist")
        in_folder = recordings_in(folder, recursive)
        if not in_folder and len(folders) > 1:  # a folder that adds nothing is a mistake, not a choice
            hint = "" if recursive else "; search the sub-folders too?"
            raise FileFormatError(folder, f"no recordings in this data folder{hint}")
        found.update({p.resolve(): p for p in in_folder})
    audio = sorted(found.values())
    paired = sorted((p for p in audio if annotations_path_for(p).is_file()), key=recording_stem)  # the order of writing
    skipped = [_shown_name(p, folders) for p in audio if p not in paired]
    where = folders[0] if len(folders) == 1 else ", ".join(map(str, folders))
    if skipped:
        warnings.warn(f"{where}: skipping {len(skipped)} recording(s) without annotations: {', '.join(skipped)}", stacklevel=3)
    if not paired:
        raise FileFormatError(where, "no recording with annotations (<stem>.wav beside <stem>_annotations.csv)"
                                     + ("" if recursive else "; search the sub-folders too?"))
    _check_unique_stems(where, paired)
    infos = [audio_info(p) for p in paired]
    n_channels = _common_channel_count(where, infos)
    samplerate = max(info.samplerate for info in infos)
    annotations, proposals = _approved_annotations(where, paired)
    song_types = _merged_song_types(paired, annotations)
    recordings = []
    for path, info, table in zip(paired, infos, annotations):
        _check_inside(annotations_path_for(path), table, info)
        up, down = resampling_factors(info.samplerate, samplerate)
        n_samples = -(-info.n_samples * up // down)  # the length scipy.signal.resample_poly returns
        recordings.append(Recording(recording_stem(path), info, table, n_samples, (up, down)))
    return Sources(recordings, samplerate, n_channels, song_types, skipped, proposals)


def _approved_annotations(where: Path | str, paired: list[Path]) -> tuple[list[Annotations], int]:
    """The annotations of each recording without proposals, and how many proposal rows were left out (warned)."""
    tables, left_out = [], 0
    for path in paired:
        table, proposals = without_proposals(read_annotations(annotations_path_for(path)))
        tables.append(table)
        left_out += proposals
    if left_out:
        log.warning("%s: leaving out %d proposal(s) not yet approved (song types ending in _proposals)", where,
                    left_out)
    return tables, left_out


def _shown_name(path: Path, folders: list[Path]) -> str:
    """A recording's path relative to its data folder (its name, in the folder itself)."""
    for folder in folders:
        if path.is_relative_to(folder):
            return str(path.relative_to(folder))
    return str(path)


def _check_unique_stems(folder: Path | str, paths: list[Path]) -> None:
    by_stem: dict[str, list[Path]] = {}
    for path in paths:
        by_stem.setdefault(recording_stem(path), []).append(path)
    doubled = {stem: found for stem, found in by_stem.items() if len(found) > 1}
    if doubled:
        listing = "; ".join(f"{stem}: {', '.join(map(str, found))}" for stem, found in sorted(doubled.items()))
        raise FileFormatError(folder, f"several audio files share a stem ({listing}); a dataset names recordings by "
                                      "their stem: keep one per stem or rename them")


def _common_channel_count(folder: Path | str, infos: list[AudioInfo]) -> int:
    counts: dict[int, list[str]] = {}
    for info in infos:
        counts.setdefault(info.n_channels, []).append(Path(info.path).name)
    if len(counts) > 1:
        listing = "; ".join(f"{n} channel(s): {', '.join(names)}" for n, names in sorted(counts.items()))
        raise FileFormatError(folder, f"the recordings have different channel counts ({listing}); use recordings with the same channels")
    return next(iter(counts))


def _merged_song_types(paths: list[Path], tables: list[Annotations]) -> dict[str, str]:
    song_types = merged_song_types([(annotations_path_for(path), table) for path, table in zip(paths, tables)])
    if not song_types:
        raise FileFormatError(paths[0].parent, "the annotation files declare no song type")
    return song_types


def _check_inside(csv_path: Path, table: Annotations, info: AudioInfo) -> None:
    """Annotations past the end of the recording are an error (more than one sample late)."""
    duration = info.duration_seconds
    late = np.flatnonzero(~table.is_placeholder & (table.stop_seconds > duration + 1 / info.samplerate))
    if len(late):
        i = late[0]
        raise FileFormatError(
            csv_path,
            f"row {i + 1} ({table.names[i]}, {table.start_seconds[i]}-{table.stop_seconds[i]} s) ends after the "
            f"recording {Path(info.path).name} ({duration:.6g} s); {len(late)} row(s) like this. "
            "Is this the right recording? Fix or delete these rows.",
        )
