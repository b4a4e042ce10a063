"""Atomic writes: build under a temporary name in the same folder, then rename.

An interrupted save never leaves a half-written file that looks complete.

The temporary name is hidden (leading dot) and keeps the target's suffix
(``.rec.<random>.part.wav`` for ``rec.wav``), because many writers choose the
format from the suffix (``np.save`` appends ``.npy`` otherwise, Keras insists
on ``.keras``/``.h5``, soundfile guesses the format). It is created with the
usual permissions (umask applied), not the owner-only mode of :mod:`tempfile`.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import shutil
from collections.abc import Iterator
from pathlib import Path


def _temporary_name(target: Path) -> Path:
    return target.with_name(f".{target.stem}.{secrets.token_hex(4)}.part{target.suffix}")


def _create_temporary(target: Path, make) -> Path:
    """Create a fresh temporary file or folder beside ``target`` with ``make(path)``."""
    while True:
        candidate = _temporary_name(target)
        try:
            make(candidate)
        except FileExistsError:
            continue
        return candidate


def _make_file(path: Path) -> None:
    os.close(os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o666))


@contextlib.contextmanager
def atomic_path(path: str | os.PathLike) -> Iterator[Path]:
    """Yield a temporary path beside ``path``; rename it to ``path`` on success.

    The temporary file exists (empty) when the block starts; write to it by
    name. On an exception it is removed and ``path`` is untouched.
    """
    target = Path(path)
    tmp_path = _create_temporary(target, _make_file)
    try:
        yield tmp_path
        os.replace(tmp_path, target)
    finally:
        if tmp_path.exists():
            tmp_path.unlink()


@contextlib.contextmanager
def atomic_dir(path: str | os.PathLike, overwrite: bool = False) -> Iterator[Path]:
    """Yield a temporary folder beside ``path``; rename it to ``path`` on success.

    Without ``overwrite`` an existing ``path`` raises :class:`FileExistsError`
    before any work starts. With ``overwrite`` it is replaced only once the new
    folder is complete. On an exception the temporary folder is removed.
    """
    target = Path(path)
    if target.exists() and not overwrite:
        raise FileExistsError(f"{target} exists; pass overwrite=True to replace it")
    tmp_path = _create_temporary(target, lambda p: os.mkdir(p, 0o777))
    try:
        yield tmp_path
        if target.exists():
            if not overwrite:
                raise FileExistsError(f"{target} was created while writing; pass overwrite=True to replace it")
            _replace_existing(tmp_path, target)
        else:
            os.replace(tmp_path, target)
    finally:
        if tmp_path.exists():
            shutil.rmtree(tmp_path, ignore_errors=True)


def _replace_existing(new: Path, target: Path) -> None:
    """Swap ``new`` in for the folder ``target``; put the old one back if that fails."""
    old = _temporary_name(target)
    os.replace(target, old)
    try:
        os.replace(new, target)
    except BaseException:
        os.replace(old, target)
        raise
    shutil.rmtree(old, ignore_errors=True)
