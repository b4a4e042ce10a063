"""Class probabilities kept by a prediction: in memory, or on disk as ``<name>.npy`` with ``<name>.json`` beside it.

On disk (``dss predict --save-probabilities``) the trace is float16 by
default, half the size of float32 and exact to about 0.0005, which is finer
than any threshold a person chooses (the events and segments are found from
the float32 probabilities, before they are written). It may also be written
at a lower rate: each row is then the mean of a block of ``round(network rate
/ rate)`` consecutive samples, so that short events still count in their
block's mean. The JSON file says what the rows are (rate, class names, block)
so the array can be read back with nothing but numpy::

    p = np.load("song_probabilities.npy")          # [rows, classes]
    info = json.load(open("song_probabilities.json"))
    seconds = np.arange(len(p)) / info["samplerate_Hz"]   # start of each row

The file is checked against the free disk space and allocated in full
before any work (:mod:`.npy_output`), written under a temporary name and
renamed when complete (:mod:`.atomic`). Rows are written as they come, one
batch at a time; nothing of the trace stays in memory.
"""

from __future__ import annotations

import contextlib
import json
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .atomic import atomic_path
from .disk_space import require_free_space
from .errors import FileFormatError
from .npy_output import NpyOutput, NpyWriter, npy_bytes

DTYPES = ("float16", "float32")


@dataclass(frozen=True)
class ProbabilityFormat:
    """How a probability trace is written to disk: ``dtype`` and ``rate`` (Hz; None: the network's rate)."""

    dtype: str = "float16"
    rate: float | None = None

    def __post_init__(self) -> None:
        if self.dtype not in DTYPES:
            raise ValueError(f"the probabilities are written as {' or '.join(DTYPES)}, not {self.dtype!r}")
        if self.rate is not None and not self.rate > 0:
            raise ValueError(f"the rate of the saved probabilities must be positive (Hz), got {self.rate}")

    def block(self, network_rate: float) -> int:
        """Samples at the network's rate averaged into one row (1: every sample; a rate above the network's is its)."""
        return 1 if self.rate is None else max(1, round(network_rate / self.rate))

    def to_dict(self) -> dict:
        return {"dtype": self.dtype, "rate": self.rate}


def info_path(npy: str | os.PathLike) -> Path:
    """The JSON file describing the probabilities in ``npy``."""
    return Path(npy).with_suffix(".json")


def probability_store(keep, n_samples: int, class_names: list[str], network_rate: float,
                      form: ProbabilityFormat | None, files: contextlib.ExitStack):
    """Where the probabilities go: nowhere, a float32 array in memory (``keep`` True), or a file (``keep`` a path)."""
    if keep is False or keep is None:
        return NotKept()
    if keep is True:
        return InMemory(np.empty((n_samples, len(class_names)), dtype=np.float32), network_rate)
    return ProbabilityFile.create(Path(keep), n_samples, class_names, network_rate, form or ProbabilityFormat(),
                                  files)


class NotKept:
    """Probabilities not kept."""

    rate = None

    def write_rows(self, start: int, rows: np.ndarray) -> None:
        pass

    def finish(self) -> None:
        pass

    def result(self) -> None:
        return None


@dataclass
class InMemory(NotKept):
    """Probabilities kept as a float32 array at the network's rate."""

    array: np.ndarray
    rate: float

    def write_rows(self, start: int, rows: np.ndarray) -> None:
        self.array[start:start + len(rows)] = rows

    def result(self) -> np.ndarray:
        return self.array


class ProbabilityFile:
    """A trace being written to an ``.npy`` file, rows in order, averaged over blocks when the rate is lower."""

    def __init__(self, path: Path, output: NpyWriter, block: int, info: dict):
        self.path, self.output, self.block, self.info = path, output, block, info
        self.rate = info["samplerate_Hz"]
        self._pending = np.zeros((0, output.array.columns), dtype=np.float32)  # samples of an unfinished block
        self._row = 0

    @classmethod
    def create(cls, path: Path, n_samples: int, class_names: list[str], network_rate: float, form: ProbabilityFormat,
               files: contextlib.ExitStack) -> ProbabilityFile:
        if path.suffix != ".npy":
            raise FileFormatError(path, "probabilities are written as .npy: give a path ending in .npy")
        block = form.block(network_rate)
        shape = (-(-n_samples // block), len(class_names))
        require_free_space(path, npy_bytes(shape, form.dtype))
        tmp = files.enter_context(atomic_path(path))
        output = files.enter_context(NpyOutput.create(tmp, *shape, form.dtype).opened())
        rows = (f"row i: the mean class probabilities of the network's samples i*{block} to (i+1)*{block}-1, "
                "from i/samplerate_Hz seconds of the recording on (the last row may cover fewer)") if block > 1 else \
            "row i: the class probabilities at i/samplerate_Hz seconds of the recording"
        info = {"samplerate_Hz": network_rate / block, "class_names": list(class_names), "dtype": form.dtype,
                "shape": list(shape), "samples_per_row": block, "network_samplerate_Hz": network_rate, "rows": rows}
        return cls(path, output, block, info)

    def write_rows(self, start: int, rows: np.ndarray) -> None:
        """Add the probabilities of samples ``start ...``; blocks follow each other without gap, in order."""
        if self.block == 1:
            self.output.write_rows(start, rows)
            return
        rows = np.concatenate([self._pending, rows]) if len(self._pending) else rows
        full = len(rows) // self.block * self.block
        if full:
            means = rows[:full].reshape(-1, self.block, rows.shape[1]).mean(axis=1)
            self.output.write_rows(self._row, means)
            self._row += len(means)
        self._pending = np.array(rows[full:], dtype=np.float32)

    def finish(self) -> None:
        """Write the last, shorter block and the JSON description (before the ``.npy`` is renamed into place)."""
        if len(self._pending):
            self.output.write_rows(self._row, self._pending.mean(axis=0, keepdims=True))
        with atomic_path(info_path(self.path)) as tmp:
            tmp.write_text(json.dumps(self.info, indent=1), encoding="utf-8")

    def result(self) -> np.ndarray:
        """The written trace, read-only and memory-mapped (once the file has its final name)."""
        return np.load(self.path, mmap_mode="r")
