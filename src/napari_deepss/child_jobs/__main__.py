"""The child program: ``python -m napari_deepss.child_jobs <job>`` runs one job of the registry.

It reads ``{"folder", "request"}`` from stdin, runs the job's
``run(request, progress=, stop=)`` with a stop event that a ``stop`` line (or
the parent closing stdin) sets, and answers through :mod:`.protocol`.
"""

from __future__ import annotations

import importlib
import json
import os
import sys
import threading
import time
import traceback
from pathlib import Path

from ..errors import FileFormatError
from ..jobs import Progress, Stopped
from .protocol import STOP, emit, pack, unpack
from .registry import JOBS

CHILD_NICENESS = 5
PROGRESS_INTERVAL_S = 0.1  # at most ten progress messages per second within a stretch of work


class _ThrottledProgress:
    """Sends progress to the parent, at most one report per PROGRESS_INTERVAL_S within a stretch of work.

    The first and last report of every stretch always go (the Train widget
    plots the loss of each finished epoch).
    """

    def __init__(self, folder: Path):
        self.folder = folder
        self.last: Progress | None = None
        self.sent_at = 0.0

    def __call__(self, p: Progress) -> None:
        now = time.monotonic()
        last = self.last
        same_stretch = last is not None and p.phase == last.phase and p.done >= last.done
        ends_stretch = p.total and p.done >= p.total
        if same_stretch and not ends_stretch and now - self.sent_at < PROGRESS_INTERVAL_S:
            return
        self.last, self.sent_at = p, now
        emit({"progress": pack(p, self.folder, "progress")})


def _watch_stdin(stop: threading.Event) -> None:
    """Set ``stop`` on a ``stop`` line or when the parent closes stdin (or dies)."""
    for line in sys.stdin:
        if line.strip() == STOP:
            break
    stop.set()


def main(job: str) -> int:
    if hasattr(os, "nice"):  # below the viewer's priority: TensorFlow takes every core, the GUI goes first
        os.nice(CHILD_NICENESS)
    run = importlib.import_module(JOBS[job]).run
    opening = json.loads(sys.stdin.readline())
    folder = Path(opening["folder"])
    stop = threading.Event()
    threading.Thread(target=_watch_stdin, args=(stop,), daemon=True).start()
    try:
        result = run(unpack(opening["request"], folder, mmap_mode="r"), progress=_ThrottledProgress(folder), stop=stop)
    except Stopped as stopped:
        emit({"stopped": {"message": str(stopped), "result": pack(stopped.result, folder, "result")}})
        return 0
    except (FileFormatError, ValueError) as err:  # bad input: the message says what to do
        emit({"error": str(err)})
        return 1
    except Exception as err:  # shown to the user as a notification; the traceback goes to the log
        traceback.print_exc()
        emit({"error": f"{type(err).__name__}: {err}"})
        return 1
    emit({"result": pack(result, folder, "result")})
    return 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:]))
