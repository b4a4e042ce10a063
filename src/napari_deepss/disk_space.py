"""Free disk space, checked before a large output is written (a full disk then gives an error, not a crash)."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from .errors import OutputError


def format_bytes(n: float) -> str:
    """``1536`` -> ``'1.5 kB'`` (powers of 1000, as file managers and ``df -H`` show them)."""
    for unit in ("bytes", "kB", "MB", "GB", "TB"):
        if abs(n) < 1000 or unit == "TB":
            return f"{n:.0f} {unit}" if unit == "bytes" else f"{n:.3g} {unit}"
        n /= 1000
    raise AssertionError("unreachable")


def free_bytes(path: str | os.PathLike) -> int:
    """Bytes free for this user on the disk that holds ``path`` (or its nearest existing parent folder)."""
    path = Path(path).absolute()
    while not path.exists() and path != path.parent:
        path = path.parent
    return shutil.disk_usage(path).free


def require_free_space(output: str | os.PathLike, needed: int) -> None:
    """Raise :class:`OutputError` naming ``output`` and the space it needs if its disk has less free."""
    free = free_bytes(Path(output).parent)
    if needed > free:
        raise OutputError(
            output,
            f"needs {format_bytes(needed)} of disk space, but only {format_bytes(free)} are free there; "
            "free some space or write to another disk",
        )
