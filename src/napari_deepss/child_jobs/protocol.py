"""The line protocol between the runner and the child, and how values cross it.

The parent writes one JSON line to the child's stdin, ``{"folder", "request"}``,
then ``stop`` to ask the job to stop; closing stdin (the parent went away) also
stops it. The child prints one ``<MARKER><json>`` line per message:
``progress`` (a :class:`~napari_deepss.jobs.Progress`), then one of
``result``, ``stopped`` (``{"message", "result"}``) or ``error``. Anything else
it prints (TensorFlow's log, a traceback) the parent keeps as the log tail for
its error messages.

Values cross as JSON; arrays in them as ``.npy`` files in the folder the
runner owns (:func:`pack`, :func:`unpack`), so a job hands over a layer's
samples or a probability band without encoding them.
"""

from __future__ import annotations

import collections
import dataclasses
import json
import os
from pathlib import Path
from typing import Any

import numpy as np

MARKER = "@dss-job "
STOP = "stop"
LOG_TAIL_LINES = 30
_NPY = "__npy__"


def emit(message: dict) -> None:
    """Child side: send one message to the parent."""
    print(MARKER + json.dumps(message), flush=True)


class ChildOutput:
    """Parent side: the child's output lines, read as messages (``read``) or kept in ``log``."""

    def __init__(self):
        self.log: collections.deque[str] = collections.deque(maxlen=LOG_TAIL_LINES)

    def read(self, line: str) -> dict | None:
        """A protocol message, or None for log output (kept in ``log``)."""
        if line.startswith(MARKER):
            return json.loads(line[len(MARKER):])
        self.log.append(line.rstrip())
        return None

    def ended_unexpectedly(self, job: str, code: int) -> str:
        """The message for a child that ended without an answer, with its last output."""
        return f"the {job} job's process ended unexpectedly ({describe_exit(code)}). Its last output:\n" + "\n".join(
            self.log)


def describe_exit(code: int) -> str:
    if code < 0:
        hint = " (killed, often for lack of memory)" if code == -9 else ""
        return f"signal {-code}{hint}"
    return f"exit code {code}"


def pack(value: Any, folder: Path, name: str) -> Any:
    """``value`` as JSON-safe data: arrays saved as ``<name>….npy`` in ``folder``, dataclasses as dicts, paths as text."""
    if isinstance(value, np.ndarray):
        path = folder / f"{name}.npy"
        np.save(path, value)
        return {_NPY: path.name}
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        value = {field.name: getattr(value, field.name) for field in dataclasses.fields(value)}
    if isinstance(value, dict):
        return {str(key): pack(item, folder, f"{name}.{key}") for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [pack(item, folder, f"{name}.{i}") for i, item in enumerate(value)]
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, os.PathLike):
        return os.fspath(value)
    return value


def unpack(value: Any, folder: Path, mmap_mode: str | None = None) -> Any:
    """What :func:`pack` made, with its arrays read back (memory-mapped with ``mmap_mode``)."""
    if isinstance(value, dict):
        if value.keys() == {_NPY}:
            return np.load(folder / value[_NPY], mmap_mode=mmap_mode)
        return {key: unpack(item, folder, mmap_mode) for key, item in value.items()}
    if isinstance(value, list):
        return [unpack(item, folder, mmap_mode) for item in value]
    return value
