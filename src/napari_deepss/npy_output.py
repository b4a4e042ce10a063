""".npy arrays written row block by row block, for outputs larger than memory (datasets, probability traces).

The file is allocated in full when it is created, so that a full disk shows
as an error then, not later; rows are written with ordinary file writes, not
through a memory map: a write past the free space raises ``OSError`` (no
space left), where a memory-mapped write would kill the process with SIGBUS.
Resident memory stays at one block.
"""

from __future__ import annotations

import contextlib
import errno
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

import numpy as np

HEADER_BYTES = 128  # what np.lib.format writes for a 2-D array of a plain dtype (a multiple of 64)


def npy_bytes(shape: tuple[int, ...], dtype) -> int:
    """Size on disk of an ``.npy`` array (header included, as this module writes it)."""
    return HEADER_BYTES + int(np.prod(shape)) * np.dtype(dtype).itemsize


@dataclass(frozen=True)
class NpyOutput:
    """One ``.npy`` array [rows, columns] being filled."""

    path: Path
    dtype: np.dtype
    columns: int
    header_bytes: int

    @classmethod
    def create(cls, path: str | os.PathLike, rows: int, columns: int, dtype) -> NpyOutput:
        """Write the header of a [rows, columns] array at ``path`` (an existing file is replaced) and allocate it."""
        path, dtype = Path(path), np.dtype(dtype)
        header = {"descr": np.lib.format.dtype_to_descr(dtype), "fortran_order": False, "shape": (rows, columns)}
        with open(path, "wb") as f:
            np.lib.format.write_array_header_1_0(f, header)
            header_bytes = f.tell()
            _allocate(f, header_bytes + rows * columns * dtype.itemsize)
        return cls(path, dtype, columns, header_bytes)

    def write_rows(self, start: int, rows: np.ndarray) -> None:
        """Write ``rows`` (cast to the array's dtype) from row ``start`` on."""
        with self.opened() as out:
            out.write_rows(start, rows)

    @contextlib.contextmanager
    def opened(self) -> Iterator[NpyWriter]:
        """The array kept open while many row blocks are written (one open and close for all)."""
        with open(self.path, "r+b") as f:
            yield NpyWriter(self, f)


@dataclass(frozen=True)
class NpyWriter:
    """An :class:`NpyOutput` open for writing."""

    array: NpyOutput
    file: BinaryIO

    def write_rows(self, start: int, rows: np.ndarray) -> None:
        """Write ``rows`` (cast to the array's dtype) from row ``start`` on."""
        a = self.array
        data = np.ascontiguousarray(rows, dtype=a.dtype).reshape(-1, a.columns)
        self.file.seek(a.header_bytes + start * a.columns * a.dtype.itemsize)
        self.file.write(memoryview(data).cast("B"))


def _allocate(f, size: int) -> None:
    """Reserve ``size`` bytes for the open file ``f`` on the disk (``ENOSPC`` if they are not there)."""
    f.flush()
    if hasattr(os, "posix_fallocate"):
        try:
            os.posix_fallocate(f.fileno(), 0, size)
            return
        except OSError as err:
            if err.errno not in (errno.EINVAL, errno.EOPNOTSUPP):  # file systems without it: a sparse file
                raise
    f.truncate(size)
