"""Copies of the real recordings for tests that write beside them (the shared data are read-only)."""

from __future__ import annotations

import shutil
from pathlib import Path

BIRD_FILES = ("bird0_003", "bird0_005", "bird0_007", "bird0_010")  # the shortest (4-4.6 s)


def copy_recordings(source: Path, target: Path, stems) -> Path:
    """Copy ``<stem>.wav`` and ``<stem>_annotations.csv`` of each stem from ``source`` into ``target``."""
    target.mkdir(parents=True, exist_ok=True)
    for stem in stems:
        for suffix in (".wav", "_annotations.csv"):
            shutil.copy(source / f"{stem}{suffix}", target / f"{stem}{suffix}")
    return target
