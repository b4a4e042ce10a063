"""What ``make_dataset(..., overwrite=True)`` may replace: only an old dataset, never the recordings.

A store folder that is one of the data folders, or holds one, is refused
whatever ``overwrite`` says. With ``overwrite``, an existing store folder is
replaced only when it is a complete dataset made by napari-deepss (its
``attrs.npy`` says ``made_by: napari-deepss``) holding nothing but
``attrs.npy`` and split folders of ``x``/``y``/``y_<type>`` arrays; anything
else (a folder of other files that happens to end in ``.npy``, a DeepSS
dataset, a dataset with notes added) is refused, naming the reason. Paths are
compared after following symbolic links.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable
from pathlib import Path

from ..errors import FileFormatError
from .splits import SPLIT_NAMES
from .store import ATTRS_FILE, is_dataset_folder, read_attrs

MADE_BY = "napari-deepss"
_ARRAY_NAME = re.compile(r"^(x|y|y_.+)\.npy$")
_SHOWN = 5  # other files named in an error, at most


def check_store_folder(store: Path, data_folders: Iterable[Path], overwrite: bool) -> None:
    """Raise unless writing the dataset to ``store`` loses nothing (see the module docstring)."""
    real = Path(os.path.realpath(store))
    for folder in data_folders:
        data = Path(os.path.realpath(folder))
        if real == data or real in data.parents:
            where = "is the data folder" if real == data else f"holds the data folder {folder}"
            raise FileFormatError(store, f"the store folder {where}: writing the dataset there would delete the "
                                  "recordings. Choose another store folder (default: <data folder>.npy)")
    if not os.path.lexists(store):
        return
    if not overwrite:
        raise FileExistsError(f"{store} exists; choose another store folder or overwrite it")
    problem = _not_replaceable(real)
    if problem:
        raise FileFormatError(store, f"overwrite replaces only a dataset made by napari-deepss, and this {problem}. "
                              "Nothing was changed: move it away or choose another store folder")


def _not_replaceable(folder: Path) -> str | None:
    """Why ``folder`` is not an old dataset that may be replaced, or None."""
    if not folder.is_dir():
        return "is not a folder" if folder.exists() else "is a broken link"
    if not is_dataset_folder(folder):
        return f"is not a complete dataset (no {ATTRS_FILE})"
    others = _other_files(folder)
    if others:
        shown = ", ".join(others[:_SHOWN]) + (f" and {len(others) - _SHOWN} more" if len(others) > _SHOWN else "")
        return f"also holds {shown}"
    try:
        made_by = str(read_attrs(folder).get("made_by", ""))
    except (FileFormatError, AttributeError):  # unreadable, or not a dict
        return f"has an unreadable {ATTRS_FILE}"
    if not made_by.startswith(MADE_BY):
        return f"was not made by napari-deepss (its {ATTRS_FILE} has no 'made_by: {MADE_BY}')"
    return None


def _other_files(folder: Path) -> list[str]:
    """Entries of ``folder`` that are not part of a dataset, as paths relative to it."""
    others = []
    for entry in sorted(folder.iterdir()):
        if entry.name == ATTRS_FILE and entry.is_file():
            continue
        if entry.name in SPLIT_NAMES and entry.is_dir() and not entry.is_symlink():
            others += [f"{entry.name}/{e.name}" for e in sorted(entry.iterdir())
                       if not (_ARRAY_NAME.match(e.name) and e.is_file() and not e.is_symlink())]
        else:
            others.append(entry.name)
    return others
