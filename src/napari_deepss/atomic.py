"""Atomic, durable writes: build under a hidden temporary name in the same folder, then rename.

- An interrupted write never leaves a half-written output that looks
  complete: there is the old one or the new one, also after a crash or a power
  cut (the temporary is flushed to disk before the rename, the folder after it).
  A folder replaced by :func:`atomic_dir` is swapped with the new one in one
  step where the system allows it (Linux), so its path never goes missing.
- Writing through a symbolic link writes the link's target; the link stays.
- A replaced file keeps its permissions (and owner, where allowed); a new
  one gets the usual permissions (umask applied), not the owner-only mode of
  :mod:`tempfile`.
- Failures to write (no space, no permission, no such folder) raise
  :class:`~napari_deepss.errors.OutputError` naming the output, never the
  temporary.
- The temporary's name records its owner (:mod:`.temporaries`); stale
  temporaries of the same output, left by runs that were killed, are removed first.
"""

from __future__ import annotations

import contextlib
import ctypes
import errno
import functools
import os
import shutil
import stat
import sys
from collections.abc import Iterator
from pathlib import Path

from .errors import OutputError
from .temporaries import remove_stale_temporaries_of, temporary_name

# errors that are about writing, whatever file they name (h5py reports a full disk without a file name)
_WRITE_ERRNOS = {errno.ENOSPC, errno.EDQUOT, errno.EFBIG, errno.EROFS}
_REASONS = {
    errno.ENOSPC: "the disk is full (no space left on the device)",
    errno.EDQUOT: "the disk quota is used up",
    errno.EFBIG: "the file is too large for this file system",
    errno.EROFS: "{folder} is on a read-only file system",
    errno.EACCES: "permission denied in {folder} (is it read-only, or another user's?)",
    errno.EPERM: "permission denied in {folder} (is it read-only, or another user's?)",
    errno.ENOENT: "the folder {folder} does not exist",
    errno.ENOTDIR: "{folder} is not a folder",
}


@contextlib.contextmanager
def atomic_path(path: str | os.PathLike) -> Iterator[Path]:
    """Yield a temporary path beside ``path``; rename it to ``path`` on success.

    The temporary file exists (empty) when the block starts; write to it by
    name. On an exception it is removed and ``path`` is untouched.
    """
    target = _resolved(path)
    with _in_place_of(target, _make_file, Path.unlink) as tmp:
        yield tmp
        _keep_mode(target, tmp)
        _sync(tmp)
        os.replace(tmp, target)
        _sync_folder(target.parent)


@contextlib.contextmanager
def atomic_dir(path: str | os.PathLike, overwrite: bool = False) -> Iterator[Path]:
    """Yield a temporary folder beside ``path``; rename it to ``path`` on success.

    Without ``overwrite`` an existing ``path`` raises :class:`FileExistsError`
    before any work starts. With ``overwrite`` it is replaced only once the new
    folder is complete. On an exception the temporary folder is removed.
    """
    target = _resolved(path)
    if target.exists() and not overwrite:
        raise FileExistsError(f"{target} exists; pass overwrite=True to replace it")
    # removed at the end: the unfinished folder, or the old one swapped out
    with _in_place_of(target, lambda p: os.mkdir(p, 0o777), lambda p: shutil.rmtree(p, ignore_errors=True)) as tmp:
        yield tmp
        _sync_tree(tmp)
        if target.exists():
            if not overwrite:
                raise FileExistsError(f"{target} was created while writing; pass overwrite=True to replace it")
            _swap_in(tmp, target)
        else:
            os.replace(tmp, target)
        _sync_folder(target.parent)


@contextlib.contextmanager
def _in_place_of(target: Path, make, remove) -> Iterator[Path]:
    """A fresh temporary for ``target`` (made by ``make``, stale ones removed first), gone at the end.

    Errors of writing it become :class:`OutputError` naming ``target``.
    """
    remove_stale_temporaries_of(target)
    tmp = _create_temporary(target, make)
    try:
        yield tmp
    except OSError as err:
        if not _about_writing(err, tmp):
            raise
        raise output_error(target, err) from err
    finally:
        if tmp.exists():
            remove(tmp)


def output_error(output: Path, err: OSError) -> OutputError:
    """``err`` (from writing ``output`` or its temporary) as an error naming ``output`` and what went wrong."""
    reason = _REASONS.get(err.errno, err.strerror or str(err))
    return OutputError(output, f"cannot write it: {reason.format(folder=output.parent)}")


def _resolved(path: str | os.PathLike) -> Path:
    """The path written: a symbolic link's target (followed to the end), else ``path`` made absolute."""
    path = Path(path)
    return Path(os.path.realpath(path)) if path.is_symlink() else path.absolute()


def _about_writing(err: OSError, tmp: Path) -> bool:
    named = (str(name) for name in (err.filename, err.filename2) if name is not None)
    return err.errno in _WRITE_ERRNOS or any(name.startswith(str(tmp)) for name in named)


def _create_temporary(target: Path, make) -> Path:
    """Create a fresh temporary file or folder beside ``target`` with ``make(path)``."""
    while True:
        candidate = temporary_name(target)
        try:
            make(candidate)
        except FileExistsError:
            continue
        except OSError as err:
            raise output_error(target, err) from err
        return candidate


def _make_file(path: Path) -> None:
    os.close(os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o666))


def _keep_mode(target: Path, tmp: Path) -> None:
    """Give ``tmp`` the permissions (and, where allowed, the owner) of the file it replaces."""
    try:
        old = os.stat(target)
    except FileNotFoundError:
        return
    os.chmod(tmp, stat.S_IMODE(old.st_mode))
    if hasattr(os, "chown") and (old.st_uid, old.st_gid) != (os.stat(tmp).st_uid, os.stat(tmp).st_gid):
        with contextlib.suppress(OSError):  # only root may give a file away
            os.chown(tmp, old.st_uid, old.st_gid)


def _sync(path: Path) -> None:
    """Flush a file's (or a folder's entries') data to the disk."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    except OSError as err:
        if not (path.is_dir() and err.errno in (errno.EINVAL, errno.EBADF)):  # some systems cannot sync folders
            raise
    finally:
        os.close(fd)


def _sync_folder(folder: Path) -> None:
    if os.name == "posix":  # a rename is durable once its folder is flushed (POSIX; Windows cannot open folders)
        _sync(folder)


def _sync_tree(folder: Path) -> None:
    """Flush every file and folder below ``folder`` (each folder after what it holds), before it is renamed into place."""
    for root, _, files in os.walk(folder, topdown=False):
        for name in files:
            _sync(Path(root) / name)
        _sync_folder(Path(root))


def _swap_in(new: Path, target: Path) -> None:
    """Put the folder ``new`` at ``target``; the old ``target`` ends up at ``new`` (for the caller to remove)."""
    if _exchange(new, target):
        return
    # without an atomic exchange: two renames, putting the old folder back if the second fails
    old = temporary_name(target)
    os.replace(target, old)
    try:
        os.replace(new, target)
    except BaseException:
        os.replace(old, target)
        raise
    os.replace(old, new)


def _exchange(a: Path, b: Path) -> bool:
    """Swap two paths in one step (Linux ``renameat2(RENAME_EXCHANGE)``); False where that is unavailable."""
    renameat2 = _renameat2()
    if renameat2 is None:
        return False
    if renameat2(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE) == 0:
        return True
    code = ctypes.get_errno()
    if code in (errno.EINVAL, errno.ENOSYS, errno.EOPNOTSUPP):  # an old kernel, or a file system without it
        return False
    raise OSError(code, os.strerror(code), str(a), None, str(b))


_AT_FDCWD = -100
_RENAME_EXCHANGE = 2


@functools.cache
def _renameat2():
    if not sys.platform.startswith("linux"):
        return None
    try:
        function = ctypes.CDLL(None, use_errno=True).renameat2  # glibc >= 2.28
    except (OSError, AttributeError):
        return None
    function.argtypes = (ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint)
    function.restype = ctypes.c_int
    return function
