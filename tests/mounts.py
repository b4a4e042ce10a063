"""Folders that fail like a lab's disks do: a small file system that fills up, a read-only folder.

Both need ``mount`` (root with mount rights, as on CI) except a read-only
folder for a normal user (permissions suffice then). Where that is not
allowed, the test is skipped with the reason; the simulated failures of the
tests that use none of this still run everywhere.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest


def _mount(*args: str) -> None:
    try:
        done = subprocess.run(["mount", *args], capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired) as err:
        pytest.skip(f"cannot run mount here ({err})")
    if done.returncode:
        pytest.skip(f"mounting is not allowed here (mount {' '.join(args)}: {done.stderr.strip()}); "
                    "this test needs root with mount rights")


@contextlib.contextmanager
def small_disk(folder: Path, size_kb: int) -> Iterator[Path]:
    """``folder`` as a tmpfs of ``size_kb`` kB for the duration of the block."""
    folder.mkdir(parents=True, exist_ok=True)
    _mount("-t", "tmpfs", "-o", f"size={size_kb}k", "tmpfs", str(folder))
    try:
        yield folder
    finally:
        subprocess.run(["umount", "-l", str(folder)], check=False)


@contextlib.contextmanager
def read_only(folder: Path) -> Iterator[Path]:
    """``folder`` (with what it holds) read-only for the duration of the block.

    Root ignores permissions, so for root the folder is bind-mounted onto
    itself read-only; for other users its permissions are taken away.
    """
    if os.geteuid() != 0:
        mode = folder.stat().st_mode
        folder.chmod(0o555)
        try:
            yield folder
        finally:
            folder.chmod(mode)
        return
    _mount("--bind", str(folder), str(folder))
    try:
        _mount("-o", "remount,ro,bind", str(folder))
        yield folder
    finally:
        subprocess.run(["umount", "-l", str(folder)], check=False)
