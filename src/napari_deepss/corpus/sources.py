"""Which recordings a corpus run covers: files, folders, glob patterns and text files listing paths.

A source is

- a recording (any format :func:`~napari_deepss.audio.load_audio` reads);
- a folder: its recordings, and with ``recursive`` those of its sub-folders
  (hidden files and folders left out);
- a glob pattern (``'data/**/*.wav'``, quoted so that the shell leaves it
  alone; ``**`` matches any depth): the recordings it matches, and those of
  the folders it matches;
- a text file (``.txt``, ``.lst``, ``.list``) with one source per line:
  blank lines and lines starting with ``#`` are skipped, relative paths are
  relative to the list file.

A source given on the command line that matches nothing is an error before
anything runs. A line of a list file that matches nothing stays in the run as
its own path, and that recording fails with "no such file", so one missing
file of a long list does not stop the others. Paths come back absolute (a
cluster worker may run in another folder), each recording once, in the order
of the sources (a folder's recordings sorted by name).
"""

from __future__ import annotations

import glob
import os
from collections.abc import Iterable
from pathlib import Path

from ..audio import is_recording, recordings_in
from ..errors import FileFormatError

LIST_SUFFIXES = (".txt", ".lst", ".list")
_GLOB_CHARACTERS = frozenset("*?[")


def find_recordings(sources: Iterable[str | os.PathLike], recursive: bool = False) -> list[Path]:
    """The recordings of ``sources`` (see the module's docstring); raises :class:`FileFormatError`."""
    found: dict[Path, None] = {}  # ordered set
    for source in sources:
        for path in _expand(Path(source), recursive, in_list=False):
            found.setdefault(_absolute(path))
    if not found:
        raise FileFormatError(", ".join(map(str, sources)) or "(no sources)", "no recordings found")
    return list(found)


def _expand(source: Path, recursive: bool, in_list: bool) -> list[Path]:
    if source.is_dir():
        found = _folder(source, recursive)
        if not found and not in_list:
            below = " or below it" if recursive else " (--recursive also searches its sub-folders)"
            raise FileFormatError(source, f"no recordings (wav, flac, ogg, aiff, npz, h5) in this folder{below}")
        return found
    if source.is_file():
        if source.suffix.lower() in LIST_SUFFIXES:
            if in_list:
                raise FileFormatError(source, "a list of recordings may not name another list")
            return _listed(source, recursive)
        return [source]  # named explicitly: a file that is not a recording fails with the reader's message
    if _GLOB_CHARACTERS & set(str(source)):
        matches = [Path(p) for p in sorted(glob.glob(str(source), recursive=True))]
        found = [p for m in matches for p in (_folder(m, recursive) if m.is_dir() else [m]) if is_recording(p)]
        if found:
            return found
        if not in_list:
            raise FileFormatError(source, "this pattern matches no recording")
    elif not in_list:
        raise FileFormatError(source, "no such file or folder")
    return [source]  # a list's entry that matches nothing: it fails as "no such file", the others go on


def _folder(folder: Path, recursive: bool) -> list[Path]:
    """The recordings of ``folder`` (and of its sub-folders when ``recursive``), sorted by path."""
    if not recursive:
        return recordings_in(folder)
    found = []
    for parent, folders, files in os.walk(folder):
        folders[:] = sorted(f for f in folders if not f.startswith("."))
        found += [Path(parent) / f for f in sorted(files) if not f.startswith(".")]
    return [p for p in found if is_recording(p)]


def _listed(list_file: Path, recursive: bool) -> list[Path]:
    try:
        lines = list_file.read_text(encoding="utf-8-sig").splitlines()
    except (OSError, UnicodeDecodeError) as err:
        raise FileFormatError(list_file, f"cannot read this list of recordings ({err})") from err
    paths = []
    for line in lines:
        entry = line.strip()
        if entry and not entry.startswith("#"):
            entry_path = Path(os.path.expanduser(entry))
            paths += _expand(entry_path if entry_path.is_absolute() else list_file.parent / entry_path,
                             recursive, in_list=True)
    return paths


def _absolute(path: Path) -> Path:
    """Absolute and normalised (``a/../b`` -> ``b``), symbolic links kept as given."""
    return Path(os.path.normpath(path.absolute()))
