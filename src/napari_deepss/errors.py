"""The error types for bad user input (files, folders, values) and for a missing optional package."""

from __future__ import annotations

import os


class FileFormatError(ValueError):
    """A file or folder given by the user cannot be used.

    The message always names the file and the problem, so that a biologist can
    act on it without reading a traceback.
    """

    def __init__(self, path: str | os.PathLike, problem: str):
        self.path = os.fspath(path)
        self.problem = problem
        super().__init__(f"{self.path}: {problem}")

    def __reduce__(self):
        # rebuild from (path, problem), so the error survives pickling to and from worker processes
        return type(self), (self.path, self.problem)


class OutputError(FileFormatError):
    """An output cannot be written: no space, no permission, a folder that is missing or read-only.

    It names the output the user asked for (never a hidden temporary) and what to do.
    """


class TrainingDiverged(ValueError):
    """Training produced a NaN or infinite loss; the message says where and what was kept."""


class MissingExtra(ImportError):
    """An optional feature needs a package that is not installed; the message says which extra to install."""
