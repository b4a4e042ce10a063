"""Hidden temporaries of atomic writes: named after their output and their owner, removed once stale.

:mod:`.atomic` builds every output under a hidden name beside it,
``.<stem>.<pid>-<host>-<random>.part<suffix>`` (``rec.wav`` ->
``.rec.4711-3fa2-9c0e12ab.part.wav``). The suffix stays last because many
writers choose the format from it; ``pid`` is the writing process and ``host``
a short hash of the machine's name, so that in a folder shared over the
network a temporary of another machine is never judged from this one.

A run killed outright (``kill -9``, a power cut) leaves its temporary behind.
The next write of the same output removes the temporaries whose process is
gone and logs a warning on the ``napari_deepss`` logger (``dss`` prints it).
Temporaries of versions that did not record their owner are removed once
untouched for :data:`LEGACY_STALE_SECONDS`.
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
import secrets
import shutil
import socket
import time
from collections.abc import Callable
from pathlib import Path

from .disk_space import format_bytes

log = logging.getLogger("napari_deepss")

HOST = hashlib.blake2b(socket.gethostname().encode(), digest_size=2).hexdigest()
LEGACY_STALE_SECONDS = 24 * 3600
_NAME = re.compile(r"^\.(?P<stem>.+)\.(?:(?P<pid>\d+)-(?P<host>[0-9a-f]{4})-)?[0-9a-f]{8}\.part(?P<rest>.*)$")


def temporary_name(target: Path) -> Path:
    """A fresh hidden name beside ``target`` that records this process as its owner."""
    return target.with_name(f".{target.stem}.{os.getpid()}-{HOST}-{secrets.token_hex(4)}.part{target.suffix}")


def remove_stale_temporaries_of(target: Path) -> list[Path]:
    """Remove the stale temporaries of the output ``target`` (see the module docstring); returns them."""
    suffix = target.suffix

    def of_target(stem: str, rest: str) -> bool:
        return stem == target.stem and (rest == suffix or rest.startswith(suffix + "."))

    return remove_stale_temporaries(target.parent, of_target, str(target))


def remove_stale_temporaries(folder: Path, matches: Callable[[str, str], bool], output: str) -> list[Path]:
    """Remove the temporaries in ``folder`` whose ``(stem, text after '.part')`` ``matches`` and whose owner is gone.

    ``output`` describes what they were meant to become, for the log message.
    """
    try:
        entries = list(folder.iterdir())
    except OSError:  # no such folder (yet): nothing to clean; writing will name the problem
        return []
    stale = []
    for path in entries:
        found = _NAME.match(path.name)
        if found and matches(found["stem"], found["rest"]) and _is_stale(path, found["pid"], found["host"]):
            stale.append(path)
    if stale:
        size = sum(_size(path) for path in stale)
        for path in stale:
            _remove(path)
        log.warning("removed %d stale temporary file(s) of %s left by interrupted runs (%s): %s", len(stale), output,
                    format_bytes(size), ", ".join(path.name for path in stale))
    return stale


def _is_stale(path: Path, pid: str | None, host: str | None) -> bool:
    if pid is None:  # an older version's temporary: no owner recorded
        try:
            return time.time() - path.lstat().st_mtime > LEGACY_STALE_SECONDS
        except FileNotFoundError:
            return False
    return host == HOST and not process_alive(int(pid))


def process_alive(pid: int) -> bool:
    """False only when no process ``pid`` exists on this machine (always True where that cannot be asked)."""
    if os.name != "posix":  # os.kill(pid, 0) would end the process on Windows
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process
        return True
    return True


def _size(path: Path) -> int:
    """Bytes in a file or below a folder (0 for what another process removes meanwhile)."""
    try:
        if path.is_dir() and not path.is_symlink():
            return sum(p.lstat().st_size for p in path.rglob("*") if p.is_file())
        return path.lstat().st_size
    except FileNotFoundError:
        return 0


def _remove(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path, ignore_errors=True)
    else:
        path.unlink(missing_ok=True)
